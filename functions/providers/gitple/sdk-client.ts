import * as v from 'valibot';
import { ConfigError, ProviderError } from '../../core/errors';
import { fitText } from '../../core/format';
import type { SecretValues } from '../../core/secrets';
import {
  createProviderHttp,
  createTokenCache,
  discardBody,
  notConfiguredReason,
  readProviderSettings,
  tokenRefreshAt,
  type CachedToken,
  type ProviderConfigResult,
} from '../shared/provider-http';
import { GITPLE_SESSION_TTL_MS, gitplePlatformApi, type GitplePlatformApi } from './token';

/** No channel-name limit is published ([G] README GIT-28); longer names are cut to this. */
export const GITPLE_MAX_CHANNEL_NAME = 100;

/** The SDK refreshes its token whenever less than an hour is left ([V] README GIT-7). */
export const GITPLE_SDK_TOKEN_MIN_REMAINING_MS = 60 * 60_000;
/** Used only when the SDK-token answer has no `expires_at` (the SDK always reads one: [V] README GIT-7). */
const FALLBACK_SDK_TOKEN_TTL_MS = 10 * 60_000;

export interface GitpleBotConfig {
  api: GitplePlatformApi;
  /** The Gitple user the bridge posts as; it must exist and be a member of bridged channels. */
  botUserId: string;
}

export type GitpleBotConfigResult = ProviderConfigResult<GitpleBotConfig>;

const REQUIRED = [
  'GITPLE_HOST',
  'GITPLE_APP_ID',
  'GITPLE_APP_API_KEY',
  'GITPLE_BOT_USER_ID',
] as const;

/** Secrets Manager values win; plain environment values are the fallback (the local runtime). */
export function readGitpleBotConfig(
  secrets: SecretValues,
  env: NodeJS.ProcessEnv = {},
): GitpleBotConfigResult {
  const settings = readProviderSettings('gitple', REQUIRED, secrets, env);
  if (!settings.config) return settings;
  try {
    const api = gitplePlatformApi(settings.config);
    return { config: { api, botUserId: settings.config.GITPLE_BOT_USER_ID } };
  } catch (error) {
    if (error instanceof ConfigError) {
      return { unavailable: notConfiguredReason('gitple', error.message) };
    }
    throw error;
  }
}

/** The message the SDK send call answers with ([V] README GIT-18); only the id is used. */
const SentMessageSchema = v.looseObject({
  message_id: v.union([
    v.pipe(v.number(), v.integer()),
    v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  ]),
});

/**
 * A page of `GET .../messages` ([V] README GIT-30): what a look for a copy reads of each
 * message (`BaseMessage`, [V] README GIT-12).
 */
const MessagePageSchema = v.looseObject({
  messages: v.array(
    v.looseObject({
      message_id: v.union([v.number(), v.pipe(v.string(), v.minLength(1), v.maxLength(128))]),
      created_at: v.number(),
      user: v.optional(v.nullable(v.looseObject({ user_id: v.string() }))),
      meta: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
    }),
  ),
});

/** One listed message, as a look for a copy needs it. */
export interface GitpleListedMessage {
  messageId: string;
  /** The id as a number, when it is one: older pages are asked for before it. */
  numericId?: number;
  /** Epoch ms ([V] README GIT-12). */
  createdAt: number;
  userId?: string;
  meta?: Record<string, unknown>;
}

const TokenAnswerSchema = v.looseObject({
  token: v.pipe(v.string(), v.minLength(1)),
  expires_at: v.optional(v.number()),
});

export interface GitpleSdkClient {
  /** `POST /v1/sdk/group/channels/{channel}/messages`; resolves to the new `message_id`. */
  sendText(channelId: string, content: string, meta: Record<string, string>): Promise<string>;
  /** `DELETE /v1/sdk/group/channels/{channel}/messages/{id}`; a 404 counts as already deleted. */
  deleteMessage(channelId: string, messageId: string): Promise<void>;
  /**
   * `POST /v1/sdk/group/channels` with the bridge's channel id, the bot among the members and
   * `reuse`; a channel that already has the id counts as created.
   */
  createChannel(channelId: string, name: string, members: readonly string[]): Promise<void>;
  /** `PUT /v1/sdk/group/channels/{channel}/freeze` `{freeze: true}`; a 404 counts as gone. */
  freezeChannel(channelId: string): Promise<void>;
  /**
   * `GET /v1/sdk/group/channels/{channel}/messages?limit=&mode=prev[&base_message_id=]`: the
   * newest `limit` messages, or those before `beforeMessageId` ([V] README GIT-30, [I] README GIT-31).
   */
  listMessages(
    channelId: string,
    page: { limit: number; beforeMessageId?: number },
  ): Promise<GitpleListedMessage[]>;
}

/**
 * The SDK REST calls the bridge bot makes, authenticated the way the Gitple SDK is: a
 * platform-API session token for the bot (`APP_ID` + `APP_API_KEY`) is exchanged for an SDK
 * token, which is the Bearer of `/v1/sdk/*` calls with `APP_ID` and `USER_ID` headers. The SDK
 * token is cached until under an hour (or half its lifetime, if shorter) is left; concurrent
 * calls share one exchange. A 401 with a cached token drops it and retries once with a new one.
 *
 * Every failure is a ProviderError: with the HTTP status (and Retry-After) when Gitple
 * answered, without one when it could not be reached. Messages never carry credentials, tokens
 * or response bodies.
 */
export function createGitpleSdkClient(
  config: GitpleBotConfig,
  options: { fetch?: typeof fetch; now?: () => number } = {},
): GitpleSdkClient {
  const now = options.now ?? Date.now;
  const { api, botUserId } = config;
  const http = createProviderHttp({
    provider: 'gitple',
    baseUrl: api.baseUrl,
    fetch: options.fetch,
    now,
  });

  const readToken = async (action: string, response: Response) => {
    const parsed = v.safeParse(TokenAnswerSchema, await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new ProviderError(
        `gitple answered without a token when asked to ${action}`,
        response.status,
      );
    }
    return parsed.output;
  };

  const fetchSdkToken = async (): Promise<CachedToken> => {
    const issuedAt = now();
    const sessionAction = "issue the bot's session token";
    const session = await readToken(
      sessionAction,
      await http.callOk(sessionAction, `/users/${encodeURIComponent(botUserId)}/token`, {
        method: 'POST',
        headers: { APP_ID: api.appId, APP_API_KEY: api.apiKey },
        body: { expires_at: issuedAt + GITPLE_SESSION_TTL_MS },
      }),
    );
    const sdkAction = "exchange the bot's session token for an SDK token";
    const sdk = await readToken(
      sdkAction,
      await http.callOk(sdkAction, '/sdk/users/token', {
        method: 'POST',
        headers: {
          APP_ID: api.appId,
          USER_ID: botUserId,
          Authorization: `Bearer ${session.token}`,
        },
        body: {},
      }),
    );
    const expiresAt = sdk.expires_at ?? issuedAt + FALLBACK_SDK_TOKEN_TTL_MS;
    // Refresh with an hour left, as the SDK does (at half life for a shorter-lived token).
    return {
      token: sdk.token,
      refreshAt: tokenRefreshAt(issuedAt, expiresAt, GITPLE_SDK_TOKEN_MIN_REMAINING_MS),
    };
  };

  const sdkToken = createTokenCache({ fetchToken: fetchSdkToken, now });

  /** One SDK call with the bot's token; a 401 on a cached token re-authenticates once. */
  const sdkCall = (
    action: string,
    path: string,
    init: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; body?: unknown },
  ): Promise<Response> =>
    sdkToken.withToken((token) =>
      http.call(action, path, {
        ...init,
        headers: { APP_ID: api.appId, USER_ID: botUserId, Authorization: `Bearer ${token}` },
      }),
    );

  const channelPath = (channelId: string) => `/sdk/group/channels/${encodeURIComponent(channelId)}`;
  const messagesPath = (channelId: string) => `${channelPath(channelId)}/messages`;

  return {
    async sendText(channelId, content, meta) {
      const action = 'send the message';
      const response = await sdkCall(action, messagesPath(channelId), {
        method: 'POST',
        body: { type: 'text', content, meta },
      });
      if (!response.ok) throw await http.refusal(action, response);
      const parsed = v.safeParse(SentMessageSchema, await response.json().catch(() => undefined));
      if (!parsed.success) {
        // Posted, but the copy could never be deleted or mapped; a retry would post it twice,
        // so this is permanent (a 2xx status is not retryable).
        throw new ProviderError(
          'gitple accepted the message without a message_id',
          response.status,
        );
      }
      return String(parsed.output.message_id);
    },

    async deleteMessage(channelId, messageId) {
      const action = 'delete the message';
      const response = await sdkCall(
        action,
        `${messagesPath(channelId)}/${encodeURIComponent(messageId)}`,
        { method: 'DELETE' },
      );
      // A retried delete whose first attempt went through finds nothing left to delete.
      if (response.status === 404) {
        await discardBody(response);
        return;
      }
      if (!response.ok) throw await http.refusal(action, response);
      await discardBody(response);
    },

    async createChannel(channelId, name, members) {
      const action = 'create the channel';
      // [V] README GIT-25: the caller names the channel (`channel_id`), so every retry of one
      // creation names the same one; [I] README GIT-26: `reuse` answers the existing channel.
      const response = await sdkCall(action, '/sdk/group/channels', {
        method: 'POST',
        body: {
          channel_id: channelId,
          name: fitText(name, GITPLE_MAX_CHANNEL_NAME).text,
          members: [...new Set([botUserId, ...members])],
          reuse: true,
        },
      });
      // [I] README GIT-26: should Gitple answer a taken id with 409 despite `reuse`, the
      // channel is there if it can be read.
      if (response.status === 409) {
        await discardBody(response);
        const found = await sdkCall(action, channelPath(channelId), { method: 'GET' });
        if (!found.ok) throw await http.refusal(action, found);
        await discardBody(found);
        return;
      }
      if (!response.ok) throw await http.refusal(action, response);
      await discardBody(response);
    },

    async freezeChannel(channelId) {
      const action = 'freeze the channel';
      // [V] README GIT-27
      const response = await sdkCall(action, `${channelPath(channelId)}/freeze`, {
        method: 'PUT',
        body: { freeze: true },
      });
      // Never created, or deleted at Gitple since: there is nothing left to freeze.
      if (response.status === 404) {
        await discardBody(response);
        return;
      }
      if (!response.ok) throw await http.refusal(action, response);
      await discardBody(response);
    },

    async listMessages(channelId, page) {
      const action = 'list the channel messages';
      // [V] README GIT-30: the SDK sends its find parameters as the query of a GET.
      const query = new URLSearchParams({ limit: String(page.limit), mode: 'prev' });
      if (page.beforeMessageId !== undefined) {
        query.set('base_message_id', String(page.beforeMessageId));
      }
      const response = await sdkCall(action, `${messagesPath(channelId)}?${query}`, {
        method: 'GET',
      });
      // [I] README GIT-24: 404 is an unknown channel. One not there yet (a portal's channel
      // whose creation a crash cut off) holds no copy. The status is inferred, so it is taken
      // for "no channel" only once the channel itself reads 404; a channel that exists and
      // cannot be listed is no answer (final: the send is never made blindly).
      if (response.status === 404) {
        await discardBody(response);
        const channel = await sdkCall(action, channelPath(channelId), { method: 'GET' });
        if (channel.status === 404) {
          await discardBody(channel);
          return [];
        }
        if (!channel.ok) throw await http.refusal(action, channel);
        await discardBody(channel);
        throw new ProviderError(
          'gitple refused to list the messages of a channel it has: HTTP 404',
          404,
        );
      }
      if (!response.ok) throw await http.refusal(action, response);
      const parsed = v.safeParse(MessagePageSchema, await response.json().catch(() => undefined));
      if (!parsed.success) {
        // Not knowing what is there is no answer: permanent, so the send is never made blindly.
        throw new ProviderError('gitple listed the messages in an unknown shape', response.status);
      }
      return parsed.output.messages.map((message) => ({
        messageId: String(message.message_id),
        ...(typeof message.message_id === 'number' && { numericId: message.message_id }),
        createdAt: message.created_at,
        ...(message.user && { userId: message.user.user_id }),
        ...(message.meta && { meta: message.meta }),
      }));
    },
  };
}
