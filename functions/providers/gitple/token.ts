import * as v from 'valibot';
import { ConfigError, ProviderError } from '../../core/errors';
import type { SecretValues } from '../../core/secrets';
import { createProviderHttp } from '../shared/provider-http';
import type { TokenMinter } from '../../core/tokens';

/** How long a minted Gitple session token lives; the frontend asks again after it. */
export const GITPLE_SESSION_TTL_MS = 60 * 60_000;
const TIMEOUT_MS = 5_000;

export interface GitplePlatformApi {
  /** `https://{host}/v1`, or the http(s) base GITPLE_HOST names (local fakes). */
  baseUrl: string;
  /** What `new ChatClient({host})` needs: the host name, no scheme. */
  host: string;
  appId: string;
  apiKey: string;
}

/** GITPLE_HOST is a host name (`live.example.com`) or, for local tests, an http(s) URL. */
export function gitplePlatformApi(secrets: SecretValues): GitplePlatformApi {
  const rawHost = secrets.GITPLE_HOST ?? '';
  const appId = secrets.GITPLE_APP_ID ?? '';
  const apiKey = secrets.GITPLE_APP_API_KEY ?? '';
  const withScheme = /^https?:\/\//i.test(rawHost) ? rawHost : `https://${rawHost}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError('GITPLE_HOST must be a host name such as live.example.com');
  }
  const path = url.pathname.replace(/\/+$/, '');
  return { baseUrl: `${url.origin}${path}/v1`, host: url.host, appId, apiKey };
}

const TokenResponseSchema = v.object({
  token: v.pipe(v.string(), v.minLength(1)),
  expires_at: v.optional(v.number()),
});

/**
 * `POST /tokens/gitple`: a platform-API session token for the caller, creating the Gitple
 * user on first use. The answer is what `new ChatClient({host, app_id})` plus
 * `connectUser({user_id, session_token})` need.
 */
export function createGitpleTokenMinter(options: { fetch?: typeof fetch } = {}): TokenMinter {
  return async ({ identity, secrets, now }) => {
    const api = gitplePlatformApi(secrets);
    const http = createProviderHttp({
      provider: 'gitple',
      baseUrl: api.baseUrl,
      fetch: options.fetch,
      timeoutMs: TIMEOUT_MS,
    });
    // No action in the message: the caller sees only that Gitple could not be reached.
    const call = (path: string, body: unknown) =>
      http.call(undefined, path, {
        method: 'POST',
        headers: { APP_ID: api.appId, APP_API_KEY: api.apiKey },
        body,
      });
    const userId = identity.sub;
    const tokenPath = `/users/${encodeURIComponent(userId)}/token`;
    const expiresAt = now.getTime() + GITPLE_SESSION_TTL_MS;

    let response = await call(tokenPath, { expires_at: expiresAt });
    if (response.status === 404) {
      // Unknown user: create it once, then ask again. 409 means a concurrent request won.
      const created = await call('/users', { user_id: userId, name: identity.name ?? userId });
      if (!created.ok && created.status !== 409) {
        throw await gitpleError('create the user', created);
      }
      response = await call(tokenPath, { expires_at: expiresAt });
    }
    if (!response.ok) throw await gitpleError('issue a session token', response);
    const parsed = v.safeParse(TokenResponseSchema, await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new ProviderError('gitple answered the token request without a token', response.status);
    }
    return {
      app_id: api.appId,
      host: api.host,
      user_id: userId,
      session_token: parsed.output.token,
      expires_at: parsed.output.expires_at ?? expiresAt,
    };
  };
}

/** The provider's HTTP status and error code (SDK codes such as 4001), never its body or ours. */
async function gitpleError(action: string, response: Response): Promise<ProviderError> {
  const body: unknown = await response.json().catch(() => undefined);
  const code = (body as { code?: unknown } | undefined)?.code;
  const shownCode =
    typeof code === 'number' || (typeof code === 'string' && /^[\w.-]{1,32}$/.test(code))
      ? `, code ${code}`
      : '';
  return new ProviderError(
    `gitple refused to ${action}: HTTP ${response.status}${shownCode}`,
    response.status,
  );
}
