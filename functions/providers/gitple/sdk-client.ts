import * as v from 'valibot';
import { ConfigError, ProviderError } from '../../core/errors';
import { parseRetryAfter } from '../../core/retry';
import type { SecretValues } from '../../infra/secrets';
import { GITPLE_SESSION_TTL_MS, gitplePlatformApi, type GitplePlatformApi } from './token';

/** The SDK refreshes its token whenever less than an hour is left [V S6 `MIN_TOKEN_SECONDS`]. */
export const GITPLE_SDK_TOKEN_MIN_REMAINING_MS = 60 * 60_000;
/** Used only when the SDK-token answer has no `expires_at` (the SDK always reads one [V]). */
const FALLBACK_SDK_TOKEN_TTL_MS = 10 * 60_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface GitpleBotConfig {
  api: GitplePlatformApi;
  /** The Gitple user the bridge posts as; it must exist and be a member of bridged channels. */
  botUserId: string;
}

export type GitpleBotConfigResult =
  | { config: GitpleBotConfig; unavailable?: undefined }
  | { config?: undefined; unavailable: string };

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
  const values = Object.fromEntries(
    REQUIRED.map((name) => [name, secrets[name] || env[name] || undefined]),
  ) as Partial<Record<(typeof REQUIRED)[number], string>>;
  const missing = REQUIRED.filter((name) => !values[name]);
  if (missing.length > 0) {
    return { unavailable: `gitple is not configured: ${missing.join(', ')} missing` };
  }
  try {
    return { config: { api: gitplePlatformApi(values), botUserId: values.GITPLE_BOT_USER_ID! } };
  } catch (error) {
    if (error instanceof ConfigError) {
      return { unavailable: `gitple is not configured: ${error.message}` };
    }
    throw error;
  }
}

/** The message object the SDK send call answers with [V S6 `BaseMessage`]; only the id is used. */
const SentMessageSchema = v.looseObject({
  message_id: v.union([
    v.pipe(v.number(), v.integer()),
    v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  ]),
});

const TokenAnswerSchema = v.looseObject({
  token: v.pipe(v.string(), v.minLength(1)),
  expires_at: v.optional(v.number()),
});

export interface GitpleSdkClient {
  /** `POST /v1/sdk/group/channels/{channel}/messages`; resolves to the new `message_id`. */
  sendText(channelId: string, content: string, meta: Record<string, string>): Promise<string>;
  /** `DELETE /v1/sdk/group/channels/{channel}/messages/{id}`; a 404 counts as already deleted. */
  deleteMessage(channelId: string, messageId: string): Promise<void>;
}

interface CachedToken {
  token: string;
  /** Epoch ms after which a new SDK token is fetched before the next call. */
  refreshAt: number;
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
  const request = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const { api, botUserId } = config;
  let cached: CachedToken | undefined;
  let exchange: Promise<CachedToken> | undefined;

  const call = async (
    action: string,
    path: string,
    init: { method: 'POST' | 'DELETE'; headers: Record<string, string>; body?: unknown },
  ): Promise<Response> => {
    try {
      return await request(`${api.baseUrl}${path}`, {
        method: init.method,
        headers: {
          ...init.headers,
          ...(init.body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ProviderError(`gitple could not be reached to ${action}`, undefined, {
        cause: error,
      });
    }
  };

  const refusal = async (action: string, response: Response): Promise<ProviderError> => {
    // Drain the body so the connection is reused; its content is shown to no one.
    await response.body?.cancel().catch(() => undefined);
    return new ProviderError(
      `gitple refused to ${action}: HTTP ${response.status}`,
      response.status,
      { retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()) },
    );
  };

  const readToken = async (action: string, response: Response) => {
    if (!response.ok) throw await refusal(action, response);
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
      await call(sessionAction, `/users/${encodeURIComponent(botUserId)}/token`, {
        method: 'POST',
        headers: { APP_ID: api.appId, APP_API_KEY: api.apiKey },
        body: { expires_at: issuedAt + GITPLE_SESSION_TTL_MS },
      }),
    );
    const sdkAction = "exchange the bot's session token for an SDK token";
    const sdk = await readToken(
      sdkAction,
      await call(sdkAction, '/sdk/users/token', {
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
    // Refresh with an hour left, as the SDK does; a token living under two hours is refreshed
    // at half its life instead, so a short-lived token is not fetched again on every call.
    const margin = Math.max(
      0,
      Math.min(GITPLE_SDK_TOKEN_MIN_REMAINING_MS, (expiresAt - issuedAt) / 2),
    );
    return { token: sdk.token, refreshAt: expiresAt - margin };
  };

  /** The SDK token to use, and whether it came from the cache (only then is a 401 retried). */
  const sdkToken = async (): Promise<{ token: string; fromCache: boolean }> => {
    if (cached && now() < cached.refreshAt) return { token: cached.token, fromCache: true };
    exchange ??= fetchSdkToken()
      .then((fresh) => {
        cached = fresh;
        return fresh;
      })
      .finally(() => {
        exchange = undefined;
      });
    return { token: (await exchange).token, fromCache: false };
  };

  /** One SDK call with the bot's token; a 401 on a cached token re-authenticates once. */
  const sdkCall = async (
    action: string,
    path: string,
    init: { method: 'POST' | 'DELETE'; body?: unknown },
  ): Promise<Response> => {
    const attempt = async (token: string) =>
      call(action, path, {
        ...init,
        headers: { APP_ID: api.appId, USER_ID: botUserId, Authorization: `Bearer ${token}` },
      });
    const first = await sdkToken();
    const response = await attempt(first.token);
    if (response.status !== 401 || !first.fromCache) return response;
    await response.body?.cancel().catch(() => undefined);
    // Only drop the token this call used: a concurrent call may have cached a newer one.
    if (cached?.token === first.token) cached = undefined;
    return attempt((await sdkToken()).token);
  };

  const messagesPath = (channelId: string) =>
    `/sdk/group/channels/${encodeURIComponent(channelId)}/messages`;

  return {
    async sendText(channelId, content, meta) {
      const action = 'send the message';
      const response = await sdkCall(action, messagesPath(channelId), {
        method: 'POST',
        body: { type: 'text', content, meta },
      });
      if (!response.ok) throw await refusal(action, response);
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
        await response.body?.cancel().catch(() => undefined);
        return;
      }
      if (!response.ok) throw await refusal(action, response);
      await response.body?.cancel().catch(() => undefined);
    },
  };
}
