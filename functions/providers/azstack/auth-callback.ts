import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { ConfigError } from '../../core/errors';
import type { AppIdentity } from '../../core/identity';
import { secureEquals } from '../../core/secure-compare';
import type { SecretValues } from '../../core/secrets';
import { azStackKey, decryptPkcs1v15, type AzStackKey } from './rsa-pkcs1';

/** AZStack's answer format: 0 accepts the sign-in, 1 refuses it. */
export interface AzStackAnswer {
  result: 0 | 1;
}

export interface AzStackCallbackOutcome {
  answer: AzStackAnswer;
  /** Why, for the log only: AZStack (and whoever posts here) only ever sees 0 or 1. */
  reason: string;
}

export interface AzStackCallbackDeps {
  secrets: SecretValues;
  /** Whether every AZStack setting is present (the registry decides, from the module's settings). */
  configured: boolean;
  /** Verifies `userCredentials` as an app JWT; resolved lazily so a config error is a refusal. */
  appTokens: () => { verify(token: string): Promise<AppIdentity> };
  now?: () => number;
}

/** The callback's `timestamp` (ms) may be this far from our clock, either way. */
export const AZSTACK_MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Generous for one RSA block of up to 8192 bits, base64-encoded; anything longer is refused early. */
const MAX_TOKEN_CHARS = 2048;

const DecryptedTokenSchema = v.object({
  azStackUserID: v.union([v.pipe(v.string(), v.minLength(1)), v.number()]),
  userCredentials: v.pipe(v.string(), v.minLength(1)),
  timestamp: v.union([v.pipe(v.number(), v.integer()), v.pipe(v.string(), v.regex(/^\d{1,16}$/))]),
  appId: v.string(),
  code: v.string(),
});

/**
 * AZStack's Authentication URL: decrypt the callback token with the app's RSA private key,
 * check the app id, the md5 code and the timestamp, and accept only when `userCredentials` is
 * a valid app JWT whose `sub` is the `azStackUserID` signing in.
 */
export async function answerAzStackCallback(
  request: { contentType: string | undefined; body: string },
  deps: AzStackCallbackDeps,
): Promise<AzStackCallbackOutcome> {
  const refuse = (reason: string): AzStackCallbackOutcome => ({ answer: { result: 1 }, reason });
  const { secrets } = deps;
  if (!deps.configured) return refuse('azstack is not configured');

  const token = callbackToken(request.contentType, request.body);
  if (token === undefined) return refuse('the callback has no token field');
  if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) {
    return refuse('the token is not base64');
  }

  let key: AzStackKey;
  try {
    key = azStackKey(secrets.AZSTACK_PRIVATE_KEY ?? '');
  } catch (error) {
    return refuse(error instanceof ConfigError ? error.message : 'AZSTACK_PRIVATE_KEY is unusable');
  }
  const plaintext = decryptPkcs1v15(key, Buffer.from(token, 'base64'));
  if (plaintext === undefined) return refuse('the token does not fit the key');

  let json: unknown;
  try {
    json = JSON.parse(plaintext.toString('utf8'));
  } catch {
    // Also where a wrong key or a forged ciphertext ends: implicit rejection yields noise.
    return refuse('the token does not decrypt to JSON');
  }
  const parsed = v.safeParse(DecryptedTokenSchema, json);
  if (!parsed.success) return refuse('the decrypted token lacks the documented fields');
  const claim = parsed.output;

  if (!secureEquals(claim.appId, secrets.AZSTACK_APP_ID)) return refuse('appId does not match');
  const timestamp = String(claim.timestamp);
  const expectedCode = createHash('md5')
    .update(`${claim.appId}_${timestamp}_${secrets.AZSTACK_SECRET_CODE ?? ''}`, 'utf8')
    .digest('hex');
  if (!secureEquals(claim.code.toLowerCase(), expectedCode)) return refuse('code does not match');
  const now = deps.now ?? Date.now;
  if (Math.abs(now() - Number(timestamp)) > AZSTACK_MAX_CLOCK_SKEW_MS) {
    return refuse('timestamp is not within 5 minutes');
  }

  let identity: AppIdentity;
  try {
    identity = await deps.appTokens().verify(claim.userCredentials);
  } catch (error) {
    return refuse(`userCredentials is not a valid app JWT: ${(error as Error).message}`);
  }
  if (identity.sub !== String(claim.azStackUserID)) {
    return refuse('userCredentials belongs to another user');
  }
  return { answer: { result: 0 }, reason: 'accepted' };
}

/** `token` from a form body (AZStack's default) or a JSON body. */
function callbackToken(contentType: string | undefined, body: string): string | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  const looksJson =
    type === 'application/json' || (type === '' && body.trimStart().startsWith('{'));
  let token: unknown;
  if (looksJson) {
    try {
      token = (JSON.parse(body) as { token?: unknown } | null)?.token;
    } catch {
      return undefined;
    }
  } else {
    token = new URLSearchParams(body).get('token') ?? undefined;
  }
  if (typeof token !== 'string' || token === '') return undefined;
  // An unencoded `+` in a form body arrives as a space; base64 never contains spaces.
  return token.replace(/ /g, '+').replace(/[\r\n]/g, '');
}

// --- RSAES-PKCS1-v1_5 decryption with implicit rejection -------------------------------------
//
// Node refuses RSA_PKCS1_PADDING in privateDecrypt (CVE-2023-46809, the Marvin attack) unless the
// OpenSSL it runs on does implicit rejection (3.2+), which depends on the Node build (Node 20 with
// OpenSSL 3.0 here refuses), and --security-revert is not an option on Lambda. So the bridge
// does the raw RSA operation
// (RSA_NO_PADDING, blinded inside OpenSSL) and removes the padding itself with the same implicit
// rejection OpenSSL 3.2+ uses: a bad padding yields a deterministic synthetic message derived
// from the private key and the ciphertext instead of an error, so a caller cannot tell a padding
// failure from a well-padded ciphertext whose content is wrong. The padding check uses masks
// instead of branches (constant-time as far as JavaScript allows). Byte-compatible with OpenSSL's
// output, which the tests check against vectors produced by OpenSSL itself.
