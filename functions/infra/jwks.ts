import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import * as v from 'valibot';
import { withDeadline } from '../core/concurrency';
import { BridgeError, UnauthorizedError } from '../core/errors';

/** Where RS256 app-JWT verification gets its public keys. */
export interface JwksKeySource {
  /** The key for a token's `kid`; a token without `kid` is accepted only when the set has one key. */
  getKey(kid: string | undefined): Promise<KeyObject>;
}

export interface JwksKeySourceOptions {
  url: string;
  fetch?: typeof fetch;
  now?: () => number;
  /**
   * An unknown `kid` triggers a refetch (the issuer rotated its keys), but at most this often,
   * so a flood of tokens with made-up `kid`s cannot turn the bridge into a JWKS hammer.
   */
  minRefreshIntervalMs?: number;
  /** Keys are refetched after this long even when every `kid` is known (revocations). */
  maxAgeMs?: number;
  timeoutMs?: number;
}

const JwksSchema = v.object({
  keys: v.array(
    v.looseObject({
      kty: v.string(),
      kid: v.optional(v.string()),
      use: v.optional(v.string()),
      alg: v.optional(v.string()),
    }),
  ),
});

/** Keys without a `kid` are kept under this name; only a one-key set can match a kid-less token. */
const NO_KID = '';

export function createJwksKeySource(options: JwksKeySourceOptions): JwksKeySource {
  const fetchJwks = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const minRefreshIntervalMs = options.minRefreshIntervalMs ?? 30_000;
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  const timeoutMs = options.timeoutMs ?? 3_000;

  let keys: Map<string, KeyObject> | undefined;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;

  async function load(): Promise<void> {
    // Counted from the attempt, not the success: a failing JWKS endpoint is not retried per request.
    attemptedAt = now();
    let body: unknown;
    try {
      body = await withDeadline(timeoutMs, async (signal) => {
        const response = await fetchJwks(options.url, {
          headers: { accept: 'application/json' },
          signal,
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return (await response.json()) as unknown;
      });
    } catch (error) {
      throw new BridgeError(`APP_JWKS_URL: could not fetch the signing keys`, { cause: error });
    }
    const parsed = v.safeParse(JwksSchema, body);
    if (!parsed.success) {
      throw new BridgeError('APP_JWKS_URL: the response is not a JWK set ({"keys": [...]})');
    }
    const next = new Map<string, KeyObject>();
    for (const jwk of parsed.output.keys) {
      // Only RSA signing keys can verify RS256; anything else in the set is someone else's.
      if (jwk.kty !== 'RSA') continue;
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      if (jwk.alg !== undefined && jwk.alg !== 'RS256') continue;
      try {
        next.set(jwk.kid ?? NO_KID, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
      } catch {
        // A malformed entry must not take the good keys down with it.
      }
    }
    keys = next;
  }

  async function refresh(): Promise<void> {
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    try {
      await inflight;
    } catch (error) {
      // Keep verifying with the keys we have while the endpoint is down; without any, fail.
      if (keys === undefined) throw error;
    }
  }

  function lookup(kid: string | undefined): KeyObject | undefined {
    if (keys === undefined) return undefined;
    if (kid !== undefined) return keys.get(kid);
    return keys.size === 1 ? keys.values().next().value : undefined;
  }

  return {
    async getKey(kid) {
      if (keys === undefined || now() - attemptedAt >= maxAgeMs) await refresh();
      let key = lookup(kid);
      if (key === undefined && now() - attemptedAt >= minRefreshIntervalMs) {
        await refresh();
        key = lookup(kid);
      }
      if (key === undefined) {
        throw new UnauthorizedError('the app token is signed by a key this bridge does not know');
      }
      return key;
    },
  };
}
