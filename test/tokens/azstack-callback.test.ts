import {
  constants,
  createHash,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/auth-azstack';
import { azStackKey, decryptPkcs1v15 } from '../../functions/providers/azstack/rsa-pkcs1';
import { startHarness, type Harness } from '../support/harness';
import { APP_SECRET, appToken, httpEvent, invoke } from './support';

const APP_ID = '26870527d2ac628002dda81be54217cf';
const SECRET_CODE = 'azstack-secret-code';

// 3072 bits: the callback JSON carries an app JWT, which does not fit one 2048-bit block.
const keys = generateKeyPairSync('rsa', { modulusLength: 3072 });
const PRIVATE_PEM = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

function md5Code(appId: string, timestamp: number | string, secretCode = SECRET_CODE): string {
  return createHash('md5').update(`${appId}_${timestamp}_${secretCode}`).digest('hex');
}

/** What AZStack posts: base64 of RSA PKCS#1 v1.5 over the callback JSON, with the app's public key. */
function callbackToken(fields: Record<string, unknown> = {}, publicKey = keys.publicKey): string {
  const timestamp = (fields.timestamp as number | undefined) ?? Date.now();
  const plain = {
    azStackUserID: 'user-42',
    userCredentials: appToken({ name: undefined }),
    timestamp,
    appId: APP_ID,
    code: md5Code(APP_ID, timestamp),
    ...fields,
  };
  return publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
    Buffer.from(JSON.stringify(plain)),
  ).toString('base64');
}

function formCallback(body: string) {
  return httpEvent({
    path: '/auth/azstack',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}

const ENV = {
  APP_JWT_SECRET: APP_SECRET,
  AZSTACK_APP_ID: APP_ID,
  AZSTACK_PRIVATE_KEY: PRIVATE_PEM,
  AZSTACK_SECRET_CODE: SECRET_CODE,
};

describe('POST /auth/azstack (AZStack Authentication URL)', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness({ env: ENV });
  });
  afterEach(() => harness.close());

  it('accepts a form callback whose userCredentials is an app JWT for that user', async () => {
    const token = callbackToken();

    const response = await invoke(handler, formCallback(`token=${encodeURIComponent(token)}`));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ result: 0 });
  });

  it('accepts the JSON form of the callback, and a form body whose + was not encoded', async () => {
    const token = callbackToken();
    const json = httpEvent({
      path: '/auth/azstack',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });

    expect((await invoke(handler, json)).body).toEqual({ result: 0 });
    expect((await invoke(handler, formCallback(`token=${token}`))).body).toEqual({ result: 0 });
  });

  it('refuses a wrong md5 code', async () => {
    const timestamp = Date.now();
    const token = callbackToken({ timestamp, code: md5Code(APP_ID, timestamp, 'guessed') });

    const response = await invoke(handler, formCallback(`token=${encodeURIComponent(token)}`));

    expect(response).toMatchObject({ status: 200, body: { result: 1 } });
    expect(harness.logs.join('\n')).toMatch(/code does not match/);
  });

  it('refuses a stale timestamp even with a matching code (replay)', async () => {
    const timestamp = Date.now() - 6 * 60_000;
    const token = callbackToken({ timestamp, code: md5Code(APP_ID, timestamp) });

    const response = await invoke(handler, formCallback(`token=${encodeURIComponent(token)}`));

    expect(response.body).toEqual({ result: 1 });
    expect(harness.logs.join('\n')).toMatch(/timestamp is not within 5 minutes/);
  });

  it('refuses credentials that belong to another user', async () => {
    const token = callbackToken({ azStackUserID: 'user-77' });

    const response = await invoke(handler, formCallback(`token=${encodeURIComponent(token)}`));

    expect(response.body).toEqual({ result: 1 });
    expect(harness.logs.join('\n')).toMatch(/belongs to another user/);
  });

  it('refuses credentials that are not a valid app JWT, and another app id', async () => {
    const expired = callbackToken({ userCredentials: appToken({}, { expiresIn: -120 }) });
    const password = callbackToken({ userCredentials: 'hunter2' });
    const otherApp = callbackToken({ appId: 'other-app', code: md5Code('other-app', 1) });

    for (const token of [expired, password, otherApp]) {
      const response = await invoke(handler, formCallback(`token=${encodeURIComponent(token)}`));
      expect(response).toMatchObject({ status: 200, body: { result: 1 } });
    }
    expect(harness.logs.join('\n')).not.toContain('hunter2');
  });

  it('answers {"result":1} with 200 for malformed callbacks', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey;
    const bodies = [
      '',
      'token=',
      'token=%%%not-base64',
      `token=${encodeURIComponent(randomBytes(384).toString('base64'))}`,
      `token=${encodeURIComponent(randomBytes(600).toString('base64'))}`,
      `token=${encodeURIComponent(callbackToken({}, otherKey))}`,
      `token=${encodeURIComponent(publicEncrypt({ key: keys.publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from('not json')).toString('base64'))}`,
    ];

    for (const body of bodies) {
      const response = await invoke(handler, formCallback(body));
      expect(response).toMatchObject({ status: 200, body: { result: 1 } });
    }
  });

  it('refuses everything when AZStack is not configured', async () => {
    await harness.close();
    harness = await startHarness({ env: { APP_JWT_SECRET: APP_SECRET } });

    const response = await invoke(
      handler,
      formCallback(`token=${encodeURIComponent(callbackToken())}`),
    );

    expect(response.body).toEqual({ result: 1 });
  });
});

describe('RSAES-PKCS1-v1_5 decryption with implicit rejection', () => {
  const vectors = JSON.parse(
    readFileSync(
      resolve(import.meta.dirname, 'fixtures/pkcs1-implicit-rejection-vectors.json'),
      'utf8',
    ),
  ) as {
    privateKeyPem: string;
    vectors: { label: string; ciphertext: string; plaintext: string }[];
  };
  let key: ReturnType<typeof azStackKey>;
  beforeAll(() => {
    key = azStackKey(vectors.privateKeyPem);
  });

  it.each(vectors.vectors)('matches OpenSSL for: $label', ({ ciphertext, plaintext }) => {
    const out = decryptPkcs1v15(key, Buffer.from(ciphertext, 'hex'));

    expect(out?.toString('hex')).toBe(plaintext);
  });

  it('treats a ciphertext whose leading zero byte was dropped (JSEncrypt) as the same integer', () => {
    const vector = vectors.vectors.find((v) => v.label.includes('leading zero'))!;

    const out = decryptPkcs1v15(key, Buffer.from(vector.ciphertext, 'hex').subarray(1));

    expect(out?.toString('hex')).toBe(vector.plaintext);
  });

  it('gives nothing only for what is public: too long, or not below the modulus', () => {
    expect(decryptPkcs1v15(key, Buffer.alloc(key.size + 1, 1))).toBeUndefined();
    expect(decryptPkcs1v15(key, Buffer.alloc(key.size, 0xff))).toBeUndefined();
  });
});
