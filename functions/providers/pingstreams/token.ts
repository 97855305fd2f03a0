import jwt from 'jsonwebtoken';
import * as v from 'valibot';
import { ProviderError } from '../../core/errors';
import type { AppIdentity } from '../../core/identity';
import { createProviderHttp } from '../shared/provider-http';
import type { TokenMinter } from '../../core/tokens';

export const PINGSTREAMS_DEFAULT_API_URL = 'https://api.pingstreams.com/v3';
/** Lifetime of the custom JWT; for end users Pingstreams hands the same JWT back as the session. */
export const PINGSTREAMS_TOKEN_TTL_SECONDS = 60 * 60;
/** Used when the app JWT has no `email` claim: Pingstreams requires one; `.invalid` never routes. */
export const PINGSTREAMS_PLACEHOLDER_EMAIL_DOMAIN = 'users.chat-bridge.invalid';
const TIMEOUT_MS = 5_000;

/** The custom-JWT claims Pingstreams (Tiledesk) reads for an external user. */
export function pingstreamsCustomClaims(
  identity: AppIdentity,
  projectId: string,
  issuedAt: number,
): Record<string, unknown> {
  const [firstname, ...rest] = (identity.name ?? '').split(/\s+/).filter(Boolean);
  return {
    // Pingstreams requires external user ids to start with `<projectId>_`.
    _id: `${projectId}_${identity.sub}`,
    email: identity.email ?? placeholderEmail(identity.sub),
    ...(firstname !== undefined && { firstname }),
    ...(rest.length > 0 && { lastname: rest.join(' ') }),
    sub: 'userexternal',
    // The server uses only this path (/projects/<id>) to pick the secret; the host is ignored.
    aud: `https://pingstreams.com/projects/${projectId}`,
    iat: issuedAt,
    exp: issuedAt + PINGSTREAMS_TOKEN_TTL_SECONDS,
  };
}

/** A deterministic address per user: characters outside a safe local part become `=XX`. */
function placeholderEmail(sub: string): string {
  const local = sub.replace(
    /[^A-Za-z0-9._+-]/gu,
    (c) => `=${Buffer.from(c, 'utf8').toString('hex').toUpperCase()}`,
  );
  return `${local}@${PINGSTREAMS_PLACEHOLDER_EMAIL_DOMAIN}`;
}

const ExchangeResponseSchema = v.object({
  success: v.literal(true),
  token: v.pipe(v.string(), v.minLength(1)),
});

/**
 * `POST /tokens/pingstreams`: sign the project's custom JWT for the caller and exchange it at
 * `/auth/signinWithCustomToken`, which also creates the project user on first sign-in.
 */
export function createPingstreamsTokenMinter(options: { fetch?: typeof fetch } = {}): TokenMinter {
  return async ({ identity, secrets, now }) => {
    const projectId = secrets.PINGSTREAMS_PROJECT_ID ?? '';
    const apiUrl = (secrets.PINGSTREAMS_API_URL || PINGSTREAMS_DEFAULT_API_URL).replace(/\/+$/, '');
    const issuedAt = Math.floor(now.getTime() / 1000);
    const claims = pingstreamsCustomClaims(identity, projectId, issuedAt);
    const customToken = jwt.sign(claims, secrets.PINGSTREAMS_PROJECT_SECRET ?? '', {
      algorithm: 'HS256',
    });

    const http = createProviderHttp({
      provider: 'pingstreams',
      baseUrl: apiUrl,
      fetch: options.fetch,
      timeoutMs: TIMEOUT_MS,
    });
    const response = await http.call(undefined, '/auth/signinWithCustomToken', {
      method: 'POST',
      headers: { authorization: `JWT ${customToken}` },
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      throw new ProviderError(
        `pingstreams refused the custom token: HTTP ${response.status}${providerMessage(body)}`,
        response.status,
      );
    }
    const parsed = v.safeParse(ExchangeResponseSchema, body);
    if (!parsed.success) {
      throw new ProviderError('pingstreams answered the sign-in without a token', response.status);
    }
    const { token } = parsed.output;
    return { projectId, token, expiresAt: expiryOf(token, claims.exp as number) };
  };
}

/**
 * End users get the custom JWT back; agents get a server-signed one. Either way its `exp` is
 * the session's end, and ours is the fallback when it has none.
 */
function expiryOf(token: string, fallbackSeconds: number): string {
  const decoded = jwt.decode(token.replace(/^JWT\s+/i, ''));
  const exp =
    decoded !== null && typeof decoded === 'object' && typeof decoded.exp === 'number'
      ? decoded.exp
      : fallbackSeconds;
  return new Date(exp * 1000).toISOString();
}

/** Tiledesk answers errors as `{success: false, msg}`; show a short, plain `msg` only. */
function providerMessage(body: unknown): string {
  const msg = (body as { msg?: unknown } | undefined)?.msg;
  return typeof msg === 'string' && /^[\w .,:'()-]{1,120}$/.test(msg) ? ` (${msg})` : '';
}
