import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, UnauthorizedError } from '../../functions/core/errors';
import { canUseBridge } from '../../functions/core/identity';
import { createAppJwtVerifier, loadAppJwtConfig } from '../../functions/infra/app-jwt';
import { APP_SECRET, appToken, startJwksServer } from './support';

function rsaKey(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, publicKey, jwk };
}

function rs256Token(privateKey: KeyObject, kid: string, claims: Record<string, unknown> = {}) {
  return jwt.sign({ sub: 'user-42', ...claims }, privateKey, {
    algorithm: 'RS256',
    keyid: kid,
    expiresIn: 300,
  });
}

async function refusal(promise: Promise<unknown>): Promise<UnauthorizedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  return error as UnauthorizedError;
}

describe('app JWT configuration', () => {
  it('fails fast naming both variables when neither is set', () => {
    expect(() => loadAppJwtConfig({})).toThrow(ConfigError);
    expect(() => loadAppJwtConfig({})).toThrow(/APP_JWT_SECRET or APP_JWKS_URL/);
  });

  it('refuses both at once, since the algorithm is pinned to one', () => {
    expect(() =>
      loadAppJwtConfig({ APP_JWT_SECRET: 's', APP_JWKS_URL: 'https://auth.example.com/jwks' }),
    ).toThrow(/not both/);
  });

  it('refuses a JWKS URL over plain http except on loopback', () => {
    expect(() => loadAppJwtConfig({ APP_JWKS_URL: 'http://auth.example.com/jwks' })).toThrow(
      /APP_JWKS_URL must use https/,
    );
    expect(loadAppJwtConfig({ APP_JWKS_URL: 'http://127.0.0.1:9/jwks' })).toMatchObject({
      algorithm: 'RS256',
    });
  });
});

describe('HS256 app JWT verification', () => {
  const verifier = createAppJwtVerifier({ algorithm: 'HS256', secret: APP_SECRET });

  it('accepts a valid Bearer token and reads sub, name, roles and bridges', async () => {
    const identity = await verifier.verifyAuthorization(
      `Bearer ${appToken({ roles: ['moderator'], bridges: ['support'] })}`,
    );

    expect(identity).toEqual({
      sub: 'user-42',
      name: 'Ana Silva',
      roles: ['moderator'],
      bridges: ['support'],
    });
    expect(canUseBridge(identity, 'support')).toBe(true);
    expect(canUseBridge(identity, 'sales')).toBe(false);
  });

  it('defaults roles to none and allows every bridge when the claim is absent', async () => {
    const identity = await verifier.verify(appToken({ name: undefined }));

    expect(identity).toEqual({ sub: 'user-42', roles: [] });
    expect(canUseBridge(identity, 'anything')).toBe(true);
  });

  it('refuses alg none', async () => {
    const unsigned = jwt.sign({ sub: 'user-42', exp: Math.floor(Date.now() / 1000) + 60 }, '', {
      algorithm: 'none',
    });

    const error = await refusal(verifier.verify(unsigned));

    expect(error.message).toMatch(/algorithm/);
  });

  it('refuses a token signed with another secret, without echoing it', async () => {
    const token = appToken({}, { secret: 'someone-elses-secret' });

    const error = await refusal(verifier.verifyAuthorization(`Bearer ${token}`));

    expect(error.message).toBe('the app token signature is invalid');
    expect(error.message).not.toContain(token.slice(0, 20));
  });

  it('refuses an expired token beyond the 30 s clock skew, and tolerates one within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const longExpired = jwt.sign({ sub: 'user-42', exp: now - 45 }, APP_SECRET);
    const justExpired = jwt.sign({ sub: 'user-42', exp: now - 10 }, APP_SECRET);

    const error = await refusal(verifier.verify(longExpired));
    const identity = await verifier.verify(justExpired);

    expect(error.message).toBe('the app token has expired');
    expect(identity.sub).toBe('user-42');
  });

  it('refuses a token without exp', async () => {
    const forever = jwt.sign({ sub: 'user-42' }, APP_SECRET);

    const error = await refusal(verifier.verify(forever));

    expect(error.message).toMatch(/exp/);
  });

  it('refuses a missing header, another scheme and claims of the wrong type', async () => {
    expect((await refusal(verifier.verifyAuthorization(undefined))).message).toMatch(/required/);
    expect((await refusal(verifier.verifyAuthorization(`Basic abc`))).message).toMatch(/Bearer/);
    expect((await refusal(verifier.verify('not.a.jwt'))).message).toMatch(/well-formed/);
    expect((await refusal(verifier.verify(appToken({ roles: 'moderator' })))).message).toMatch(
      /"roles"/,
    );
  });

  it('checks aud and iss when they are configured', async () => {
    const strict = createAppJwtVerifier({
      algorithm: 'HS256',
      secret: APP_SECRET,
      audience: 'chat-bridge',
      issuer: 'https://auth.example.com',
    });
    const good = appToken({ aud: 'chat-bridge', iss: 'https://auth.example.com' });
    const wrongAudience = appToken({ aud: 'billing', iss: 'https://auth.example.com' });
    const wrongIssuer = appToken({ aud: 'chat-bridge', iss: 'https://evil.example.com' });

    expect((await strict.verify(good)).sub).toBe('user-42');
    expect((await refusal(strict.verify(wrongAudience))).message).toMatch(/\(aud\)/);
    expect((await refusal(strict.verify(wrongIssuer))).message).toMatch(/\(iss\)/);
    expect((await refusal(strict.verify(appToken()))).message).toMatch(/\(aud\)/);
  });
});

describe('RS256 app JWT verification via JWKS', () => {
  const first = rsaKey('key-1');
  const second = rsaKey('key-2');
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  afterEach(() => jwks?.close());

  it('verifies a token with the key named by its kid', async () => {
    jwks = await startJwksServer({ keys: [first.jwk] });
    const verifier = createAppJwtVerifier({ algorithm: 'RS256', jwksUrl: jwks.url });

    const identity = await verifier.verify(rs256Token(first.privateKey, 'key-1'));

    expect(identity.sub).toBe('user-42');
    expect(jwks.fetches()).toBe(1);
  });

  it('refuses an HS256 token where RS256 is configured, even one keyed with the public key', async () => {
    jwks = await startJwksServer({ keys: [first.jwk] });
    const verifier = createAppJwtVerifier({ algorithm: 'RS256', jwksUrl: jwks.url });
    const publicPem = first.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const confused = jwt.sign(
      { sub: 'user-42', exp: Math.floor(Date.now() / 1000) + 60 },
      Buffer.from(publicPem),
      { algorithm: 'HS256', keyid: 'key-1' },
    );

    const error = await refusal(verifier.verify(confused));

    expect(error.message).toMatch(/algorithm/);
    expect(jwks.fetches()).toBe(0);
  });

  it('refetches the key set once for an unknown kid (rotation), then rate-limits refetches', async () => {
    jwks = await startJwksServer({ keys: [first.jwk] });
    let clock = Date.now();
    const verifier = createAppJwtVerifier(
      { algorithm: 'RS256', jwksUrl: jwks.url },
      { now: () => clock, jwks: { minRefreshIntervalMs: 30_000 } },
    );
    await verifier.verify(rs256Token(first.privateKey, 'key-1'));
    jwks.setKeys({ keys: [first.jwk, second.jwk] });

    // Within the minimum interval an unknown kid does not refetch...
    clock += 1_000;
    const early = await refusal(verifier.verify(rs256Token(second.privateKey, 'key-2')));
    // ...after it, the rotated key is fetched and accepted.
    clock += 30_000;
    const identity = await verifier.verify(rs256Token(second.privateKey, 'key-2'));
    const bogus = await refusal(verifier.verify(rs256Token(second.privateKey, 'made-up')));

    expect(early.message).toMatch(/key this bridge does not know/);
    expect(identity.sub).toBe('user-42');
    expect(bogus.message).toMatch(/key this bridge does not know/);
    expect(jwks.fetches()).toBe(2);
  });

  it('refuses a token signed by a key outside the set', async () => {
    jwks = await startJwksServer({ keys: [first.jwk] });
    const verifier = createAppJwtVerifier({ algorithm: 'RS256', jwksUrl: jwks.url });

    const error = await refusal(verifier.verify(rs256Token(second.privateKey, 'key-1')));

    expect(error.message).toBe('the app token signature is invalid');
  });
});
