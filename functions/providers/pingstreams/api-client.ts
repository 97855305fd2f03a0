import jwt from 'jsonwebtoken';
import * as v from 'valibot';
import { ProviderError } from '../../core/errors';
import { parseRetryAfter } from '../../core/retry';
import type { SecretValues } from '../../infra/secrets';
import { PINGSTREAMS_DEFAULT_API_URL, pingstreamsCustomClaims } from './token';

/** The bot's first name in its custom JWT (Pingstreams shows it for the project user). */
export const PINGSTREAMS_BOT_NAME = 'Bridge';
/** Exchange again this long before the session token's `exp`, so no call races its expiry. */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface PingstreamsBotConfig {
  /** Scheme, host and path prefix (`.../v3`), without a trailing slash. */
  apiUrl: string;
  projectId: string;
  projectSecret: string;
  /** The bridge bot's external user id, without the `<projectId>_` prefix. */
  botUserId: string;
}

export type PingstreamsBotConfigResult =
  | { config: PingstreamsBotConfig; unavailable?: undefined }
  | { config?: undefined; unavailable: string };

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
  const read = (name: (typeof REQUIRED)[number] | 'PINGSTREAMS_API_URL') =>
    secrets[name] || env[name] || undefined;
  const missing = REQUIRED.filter((name) => !read(name));
  if (missing.length > 0) {
    return { unavailable: `pingstreams is not configured: ${missing.join(', ')} missing` };
  }
  const rawUrl = read('PINGSTREAMS_API_URL') ?? PINGSTREAMS_DEFAULT_API_URL;
  const url = URL.canParse(rawUrl) ? new URL(rawUrl) : undefined;
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
    return {
      unavailable: 'pingstreams is not configured: PINGSTREAMS_API_URL is not an http(s) URL',
    };
  }
  return {
    config: {
      apiUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
      projectId: read('PINGSTREAMS_PROJECT_ID')!,
      projectSecret: read('PINGSTREAMS_PROJECT_SECRET')!,
      botUserId: read('PINGSTREAMS_BOT_USER_ID')!,
    },
  };
}

/** The body of `POST /{project}/requests/{request_id}/messages` the bridge sends [V S8]. */
export interface PingstreamsMessageBody {
  text: string;
  type: 'text';
  senderFullname: string;
  attributes: Record<string, string>;
}

export interface PingstreamsApiClient {
  /** Post into a request (conversation) as the bot; resolves to the saved message's `_id`. */
  sendMessage(requestId: string, body: PingstreamsMessageBody): Promise<string>;
}

const ExchangeAnswerSchema = v.looseObject({
  success: v.literal(true),
  token: v.pipe(v.string(), v.minLength(1)),
});

const SavedMessageSchema = v.looseObject({
  _id: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
});

interface CachedToken {
  /** The raw JWT, without the `JWT ` scheme. */
  token: string;
  refreshAt: number;
}

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
  const request = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let cached: CachedToken | undefined;
  let exchange: Promise<CachedToken> | undefined;

  const call = async (
    action: string,
    path: string,
    init: { authorization: string; body?: unknown },
  ): Promise<Response> => {
    try {
      return await request(`${config.apiUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: init.authorization,
          ...(init.body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ProviderError(`pingstreams could not be reached to ${action}`, undefined, {
        cause: error,
      });
    }
  };

  const refusal = async (action: string, response: Response): Promise<ProviderError> => {
    // Drain the body so the connection is reused; its content is shown to no one.
    await response.body?.cancel().catch(() => undefined);
    return new ProviderError(
      `pingstreams refused to ${action}: HTTP ${response.status}`,
      response.status,
      { retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()) },
    );
  };

  const signIn = async (): Promise<CachedToken> => {
    const action = 'sign the bot in';
    const issuedAt = Math.floor(now() / 1000);
    const claims = pingstreamsCustomClaims(
      { sub: config.botUserId, name: PINGSTREAMS_BOT_NAME, roles: [] },
      config.projectId,
      issuedAt,
    );
    const customToken = jwt.sign(claims, config.projectSecret, { algorithm: 'HS256' });
    const response = await call(action, '/auth/signinWithCustomToken', {
      authorization: `JWT ${customToken}`,
    });
    if (!response.ok) throw await refusal(action, response);
    const parsed = v.safeParse(ExchangeAnswerSchema, await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new ProviderError('pingstreams answered the sign-in without a token', response.status);
    }
    // Tiledesk answers `JWT <token>`; the scheme is added back on every call.
    const token = parsed.output.token.replace(/^JWT\s+/i, '');
    const expiresAt = expiryMsOf(token) ?? (claims.exp as number) * 1000;
    const margin = Math.max(0, Math.min(RENEW_BEFORE_EXPIRY_MS, (expiresAt - issuedAt * 1000) / 2));
    return { token, refreshAt: expiresAt - margin };
  };

  const sessionToken = async (): Promise<{ token: string; fromCache: boolean }> => {
    if (cached && now() < cached.refreshAt) return { token: cached.token, fromCache: true };
    exchange ??= signIn()
      .then((fresh) => {
        cached = fresh;
        return fresh;
      })
      .finally(() => {
        exchange = undefined;
      });
    return { token: (await exchange).token, fromCache: false };
  };

  return {
    async sendMessage(requestId, body) {
      const action = 'send the message';
      const path = `/${encodeURIComponent(config.projectId)}/requests/${encodeURIComponent(requestId)}/messages`;
      const post = (token: string) => call(action, path, { authorization: `JWT ${token}`, body });
      const first = await sessionToken();
      let response = await post(first.token);
      if (response.status === 401 && first.fromCache) {
        await response.body?.cancel().catch(() => undefined);
        // Only drop the token this call used: a concurrent call may have cached a newer one.
        if (cached?.token === first.token) cached = undefined;
        response = await post((await sessionToken()).token);
      }
      if (!response.ok) throw await refusal(action, response);
      const parsed = v.safeParse(SavedMessageSchema, await response.json().catch(() => undefined));
      if (!parsed.success) {
        // Saved, but the copy could never be mapped; a retry would post it twice, so this is
        // permanent (a 2xx status is not retryable).
        throw new ProviderError('pingstreams saved the message without an _id', response.status);
      }
      return parsed.output._id;
    },
  };
}

/** The token's own `exp` in ms; agents get a server-signed token with a different lifetime. */
function expiryMsOf(token: string): number | undefined {
  const decoded = jwt.decode(token);
  return decoded !== null && typeof decoded === 'object' && typeof decoded.exp === 'number'
    ? decoded.exp * 1000
    : undefined;
}
