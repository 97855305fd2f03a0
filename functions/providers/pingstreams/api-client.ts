import jwt from 'jsonwebtoken';
import * as v from 'valibot';
import { ProviderError } from '../../core/errors';
import type { SecretValues } from '../../core/secrets';
import {
  createProviderHttp,
  createTokenCache,
  httpBaseUrl,
  readProviderSettings,
  tokenRefreshAt,
  type CachedToken,
  type ProviderConfigResult,
} from '../shared/provider-http';
import { PINGSTREAMS_DEFAULT_API_URL, pingstreamsCustomClaims } from './token';

/** The bot's first name in its custom JWT (Pingstreams shows it for the project user). */
export const PINGSTREAMS_BOT_NAME = 'Bridge';
/** Exchange again this long before the session token's `exp`, so no call races its expiry. */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;
/**
 * The longest message list a look for a copy parses (the bridge's bound, some thousands of
 * messages): Tiledesk answers a request's messages whole, unpaged ([V] README PS-25), and
 * parsing an unbounded answer could exhaust the relay's memory, failing its whole batch.
 */
export const PINGSTREAMS_LIST_MAX_BYTES = 8 * 1024 * 1024;

export interface PingstreamsBotConfig {
  /** Scheme, host and path prefix (`.../v3`), without a trailing slash. */
  apiUrl: string;
  projectId: string;
  projectSecret: string;
  /** The bridge bot's external user id, without the `<projectId>_` prefix. */
  botUserId: string;
}

export type PingstreamsBotConfigResult = ProviderConfigResult<PingstreamsBotConfig>;

const REQUIRED = [
  'PINGSTREAMS_PROJECT_ID',
  'PINGSTREAMS_PROJECT_SECRET',
  'PINGSTREAMS_BOT_USER_ID',
] as const;

/** Secrets Manager values win; plain environment values are the fallback (the local runtime). */
export function readPingstreamsBotConfig(
  secrets: SecretValues,
  env: NodeJS.ProcessEnv = {},
): PingstreamsBotConfigResult {
  const settings = readProviderSettings('pingstreams', REQUIRED, secrets, env, {
    optional: ['PINGSTREAMS_API_URL'],
  });
  if (!settings.config) return settings;
  const { PINGSTREAMS_API_URL: rawUrl = PINGSTREAMS_DEFAULT_API_URL } = settings.config;
  const apiUrl = httpBaseUrl('pingstreams', 'PINGSTREAMS_API_URL', rawUrl);
  if (apiUrl.config === undefined) return apiUrl;
  return {
    config: {
      apiUrl: apiUrl.config,
      projectId: settings.config.PINGSTREAMS_PROJECT_ID,
      projectSecret: settings.config.PINGSTREAMS_PROJECT_SECRET,
      botUserId: settings.config.PINGSTREAMS_BOT_USER_ID,
    },
  };
}

/** The body of `POST /{project}/requests/{request_id}/messages` the bridge sends ([V] README PS-18). */
export interface PingstreamsMessageBody {
  text: string;
  type: 'text';
  senderFullname: string;
  attributes: Record<string, string>;
}

/** One message of a request, as a look for a copy needs it ([V] README PS-18 model). */
export interface PingstreamsListedMessage {
  _id: string;
  sender?: string;
  attributes?: Record<string, unknown>;
}

export interface PingstreamsApiClient {
  /** Post into a request (conversation) as the bot; resolves to the saved message's `_id`. */
  sendMessage(requestId: string, body: PingstreamsMessageBody): Promise<string>;
  /**
   * Every message of a request, oldest first, in one answer ([V] README PS-25); undefined when
   * the answer is longer than PINGSTREAMS_LIST_MAX_BYTES (not parsed).
   */
  listMessages(requestId: string): Promise<PingstreamsListedMessage[] | undefined>;
}

const ExchangeAnswerSchema = v.looseObject({
  success: v.literal(true),
  token: v.pipe(v.string(), v.minLength(1)),
});

const SavedMessageSchema = v.looseObject({
  _id: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
});

/** The answer of `GET /{project}/requests/{request_id}/messages`: a bare array ([V] README PS-25). */
const MessageListSchema = v.array(
  v.looseObject({
    _id: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
    sender: v.optional(v.nullable(v.string())),
    attributes: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  }),
);

/**
 * The Pingstreams (Tiledesk) REST calls the bridge bot makes. The bot signs in like any
 * external user: a custom JWT (`sub: userexternal`, `_id` = `<project>_<bot>`, HS256 with the
 * project secret) exchanged at `/auth/signinWithCustomToken`, which also creates its project
 * user on first use. The session token is cached until shortly before its `exp`; concurrent
 * calls share one exchange; a 401 with a cached token re-exchanges once.
 *
 * Every failure is a ProviderError: with the HTTP status (and Retry-After) when Pingstreams
 * answered, without one when it could not be reached. Messages never carry the secret, a
 * token or a response body.
 */
export function createPingstreamsApiClient(
  config: PingstreamsBotConfig,
  options: { fetch?: typeof fetch; now?: () => number } = {},
): PingstreamsApiClient {
  const now = options.now ?? Date.now;
  const http = createProviderHttp({
    provider: 'pingstreams',
    baseUrl: config.apiUrl,
    fetch: options.fetch,
    now,
  });

  const signIn = async (): Promise<CachedToken> => {
    const action = 'sign the bot in';
    const issuedAt = Math.floor(now() / 1000);
    const claims = pingstreamsCustomClaims(
      { sub: config.botUserId, name: PINGSTREAMS_BOT_NAME, roles: [] },
      config.projectId,
      issuedAt,
    );
    const customToken = jwt.sign(claims, config.projectSecret, { algorithm: 'HS256' });
    const response = await http.callOk(action, '/auth/signinWithCustomToken', {
      method: 'POST',
      headers: { authorization: `JWT ${customToken}` },
    });
    const parsed = v.safeParse(ExchangeAnswerSchema, await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new ProviderError('pingstreams answered the sign-in without a token', response.status);
    }
    // Tiledesk answers `JWT <token>`; the scheme is added back on every call.
    const token = parsed.output.token.replace(/^JWT\s+/i, '');
    const expiresAt = expiryMsOf(token) ?? (claims.exp as number) * 1000;
    return { token, refreshAt: tokenRefreshAt(issuedAt * 1000, expiresAt, RENEW_BEFORE_EXPIRY_MS) };
  };

  const sessionToken = createTokenCache({ fetchToken: signIn, now });
  const messagesPath = (requestId: string) =>
    `/${encodeURIComponent(config.projectId)}/requests/${encodeURIComponent(requestId)}/messages`;
  /** One call as the bot; a 401 on a cached token re-exchanges once. */
  const botCall = (
    action: string,
    path: string,
    init: { method: 'GET' | 'POST'; body?: unknown },
  ) =>
    sessionToken.withToken((token) =>
      http.call(action, path, { ...init, headers: { authorization: `JWT ${token}` } }),
    );

  return {
    async sendMessage(requestId, body) {
      const action = 'send the message';
      const response = await botCall(action, messagesPath(requestId), { method: 'POST', body });
      if (!response.ok) throw await http.refusal(action, response);
      const parsed = v.safeParse(SavedMessageSchema, await response.json().catch(() => undefined));
      if (!parsed.success) {
        // Saved, but the copy could never be mapped; a retry would post it twice, so this is
        // permanent (a 2xx status is not retryable).
        throw new ProviderError('pingstreams saved the message without an _id', response.status);
      }
      return parsed.output._id;
    },

    async listMessages(requestId) {
      const action = 'list the request messages';
      const response = await botCall(action, messagesPath(requestId), { method: 'GET' });
      if (!response.ok) throw await http.refusal(action, response);
      const body = await response.arrayBuffer();
      if (body.byteLength > PINGSTREAMS_LIST_MAX_BYTES) return undefined;
      const parsed = v.safeParse(MessageListSchema, parseJson(body));
      if (!parsed.success) {
        // Not knowing what is there is no answer: permanent, so the send is never made blindly.
        throw new ProviderError(
          'pingstreams listed the messages in an unknown shape',
          response.status,
        );
      }
      return parsed.output.map(({ _id, sender, attributes }) => ({
        _id,
        ...(sender && { sender }),
        ...(attributes && { attributes }),
      }));
    },
  };
}

function parseJson(body: ArrayBuffer): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
}

/** The token's own `exp` in ms; agents get a server-signed token with a different lifetime. */
function expiryMsOf(token: string): number | undefined {
  const decoded = jwt.decode(token);
  return decoded !== null && typeof decoded === 'object' && typeof decoded.exp === 'number'
    ? decoded.exp * 1000
    : undefined;
}
