import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ConfigError, UnauthorizedError } from '../core/errors';
import { identityFromClaims, type AppIdentity } from '../core/identity';
import { createJwksKeySource, type JwksKeySource, type JwksKeySourceOptions } from './jwks';
import type { SecretValues } from '../core/secrets';

/** How app JWTs are verified: exactly one algorithm, decided by configuration. */
export type AppJwtConfig = (
  { algorithm: 'HS256'; secret: string } | { algorithm: 'RS256'; jwksUrl: string }
) & { issuer?: string; audience?: string };

export interface AppJwtVerifier {
  /** A raw token, e.g. the WebSocket `?token=`. */
  verify(token: string | undefined): Promise<AppIdentity>;
  /** An `Authorization: Bearer <jwt>` header value. */
  verifyAuthorization(header: string | undefined): Promise<AppIdentity>;
}

export interface AppJwtVerifierOptions {
  /** Seconds of clock difference tolerated on `exp` and `nbf`. */
  clockSkewSeconds?: number;
  now?: () => number;
  fetch?: typeof fetch;
  jwks?: Omit<JwksKeySourceOptions, 'url' | 'fetch' | 'now'>;
}

export const APP_JWT_CLOCK_SKEW_SECONDS = 30;
/** Far beyond any real app JWT; refusing early keeps parsing work bounded. */
const MAX_TOKEN_LENGTH = 8 * 1024;

type ConfigValues = Partial<Record<string, string>> | SecretValues;

/** Read the app-JWT settings, failing fast with the variable named. */
export function loadAppJwtConfig(values: ConfigValues): AppJwtConfig {
  const secret = values.APP_JWT_SECRET || undefined;
  const jwksUrl = values.APP_JWKS_URL || undefined;
  const checks = {
    ...(values.APP_JWT_ISSUER && { issuer: values.APP_JWT_ISSUER }),
    ...(values.APP_JWT_AUDIENCE && { audience: values.APP_JWT_AUDIENCE }),
  };
  if (secret !== undefined && jwksUrl !== undefined) {
    // Accepting both would let a caller pick the algorithm; the verifier pins exactly one.
    throw new ConfigError('set either APP_JWT_SECRET (HS256) or APP_JWKS_URL (RS256), not both');
  }
  if (secret !== undefined) return { algorithm: 'HS256', secret, ...checks };
  if (jwksUrl !== undefined) {
    assertJwksUrl(jwksUrl);
    return { algorithm: 'RS256', jwksUrl, ...checks };
  }
  throw new ConfigError('APP_JWT_SECRET or APP_JWKS_URL is required to verify app JWTs');
}

function assertJwksUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('APP_JWKS_URL must be an absolute URL');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  // Keys fetched over plain HTTP could be swapped in transit; only loopback (tests, local) may.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError('APP_JWKS_URL must use https');
  }
}

export function createAppJwtVerifier(
  config: AppJwtConfig,
  options: AppJwtVerifierOptions = {},
): AppJwtVerifier {
  const now = options.now ?? Date.now;
  const clockTolerance = options.clockSkewSeconds ?? APP_JWT_CLOCK_SKEW_SECONDS;
  const getKey = keyResolver(config, options, now);

  async function verify(token: string | undefined): Promise<AppIdentity> {
    if (token === undefined || token === '')
      throw new UnauthorizedError('an app token is required');
    if (token.length > MAX_TOKEN_LENGTH) throw new UnauthorizedError('the app token is too long');
    const decoded = jwt.decode(token, { complete: true });
    if (decoded === null || typeof decoded.payload === 'string') {
      throw new UnauthorizedError('the app token is not a well-formed JWT');
    }
    // Checked before any key lookup: `none`, or HS256 where RS256 is configured, never gets a key.
    if (decoded.header.alg !== config.algorithm) {
      throw new UnauthorizedError(
        'the app token is signed with an algorithm this bridge does not accept',
      );
    }
    const key = await getKey(decoded.header.kid);
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key, {
        algorithms: [config.algorithm],
        clockTolerance,
        clockTimestamp: Math.floor(now() / 1000),
        ...(config.issuer !== undefined && { issuer: config.issuer }),
        ...(config.audience !== undefined && { audience: config.audience }),
      });
    } catch (error) {
      throw new UnauthorizedError(reasonFor(error), { cause: error });
    }
    if (typeof payload === 'string' || typeof payload.exp !== 'number') {
      throw new UnauthorizedError('the app token has no expiry (exp)');
    }
    return identityFromClaims(payload);
  }

  return {
    verify,
    async verifyAuthorization(header) {
      if (header === undefined || header.trim() === '') {
        throw new UnauthorizedError('an Authorization: Bearer <app token> header is required');
      }
      const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
      if (!match)
        throw new UnauthorizedError('the Authorization header must use the Bearer scheme');
      return verify(match[1]);
    },
  };
}

function keyResolver(
  config: AppJwtConfig,
  options: AppJwtVerifierOptions,
  now: () => number,
): (kid: string | undefined) => Promise<KeyObject> {
  if (config.algorithm === 'HS256') {
    const key = createSecretKey(Buffer.from(config.secret, 'utf8'));
    return async () => key;
  }
  const jwks: JwksKeySource = createJwksKeySource({
    ...options.jwks,
    url: config.jwksUrl,
    now,
    ...(options.fetch && { fetch: options.fetch }),
  });
  return (kid) => jwks.getKey(kid);
}

/** A reason a caller can act on, without echoing the token or what was expected of it. */
function reasonFor(error: unknown): string {
  if (error instanceof jwt.TokenExpiredError) return 'the app token has expired';
  if (error instanceof jwt.NotBeforeError) return 'the app token is not valid yet';
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('jwt audience invalid'))
    return 'the app token is not meant for this bridge (aud)';
  if (message.startsWith('jwt issuer invalid'))
    return 'the app token comes from an unexpected issuer (iss)';
  if (message === 'invalid signature') return 'the app token signature is invalid';
  if (message === 'invalid algorithm') {
    return 'the app token is signed with an algorithm this bridge does not accept';
  }
  return 'the app token is invalid';
}

let cached: { key: string; verifier: AppJwtVerifier } | undefined;

/**
 * The verifier for the current secret values, built once and rebuilt only when the relevant
 * values change (a rotated APP_JWT_SECRET), so the JWKS cache survives across requests.
 */
export function appJwtVerifierFor(
  values: ConfigValues,
  options: AppJwtVerifierOptions = {},
): AppJwtVerifier {
  const config = loadAppJwtConfig(values);
  const key = JSON.stringify(config);
  if (cached?.key !== key) cached = { key, verifier: createAppJwtVerifier(config, options) };
  return cached.verifier;
}
