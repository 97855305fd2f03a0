import {
  constants,
  createHash,
  createHmac,
  createPrivateKey,
  privateDecrypt,
  type KeyObject,
} from 'node:crypto';
import { ConfigError } from '../../core/errors';

/**
 * RSA PKCS#1 v1.5 decryption for the AZStack callback token. Node 20 refuses PKCS#1 v1.5
 * decryption (CVE-2023-46809), so the padding is removed here, with implicit rejection: a bad
 * padding yields a deterministic pseudo-random message instead of an error, in constant time.
 */

export interface AzStackKey {
  key: KeyObject;
  /** k: the modulus length in bytes. */
  size: number;
  /** SHA-256 of the private exponent (k bytes, big-endian): the implicit-rejection HMAC key. */
  rejectionKey: Buffer;
}

let cachedKey: { pem: string; key: AzStackKey } | undefined;

/** Parse AZSTACK_PRIVATE_KEY once; `\n` escapes (common in env files) are accepted. */
export function azStackKey(pem: string): AzStackKey {
  if (cachedKey?.pem === pem) return cachedKey.key;
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.replace(/\\n/g, '\n'));
  } catch {
    throw new ConfigError('AZSTACK_PRIVATE_KEY is not a PEM private key');
  }
  const jwk = key.asymmetricKeyType === 'rsa' ? key.export({ format: 'jwk' }) : undefined;
  if (jwk?.n === undefined || jwk.d === undefined) {
    throw new ConfigError('AZSTACK_PRIVATE_KEY must be an RSA private key');
  }
  const size = Buffer.from(jwk.n, 'base64url').length;
  const d = Buffer.from(jwk.d, 'base64url');
  const dPadded = Buffer.concat([Buffer.alloc(size - d.length), d]);
  const parsed = { key, size, rejectionKey: createHash('sha256').update(dPadded).digest() };
  cachedKey = { pem, key: parsed };
  return parsed;
}

/**
 * The message of a PKCS#1 v1.5 ciphertext, or a synthetic one when the padding is wrong.
 * Undefined only for what anyone can see without the key: a ciphertext longer than the
 * modulus or not below it.
 */
export function decryptPkcs1v15(key: AzStackKey, ciphertext: Buffer): Buffer | undefined {
  const k = key.size;
  if (ciphertext.length === 0 || ciphertext.length > k) return undefined;
  // Some encoders (JSEncrypt) drop leading zero bytes; the integer is the same.
  const c = Buffer.concat([Buffer.alloc(k - ciphertext.length), ciphertext]);
  let em: Buffer;
  try {
    em = privateDecrypt({ key: key.key, padding: constants.RSA_NO_PADDING }, c);
  } catch {
    return undefined;
  }

  const kdk = createHmac('sha256', key.rejectionKey).update(c).digest();
  const synthetic = rejectionPrf(kdk, 'message', k);
  const candidates = rejectionPrf(kdk, 'length', 256);
  const maxSepOffset = k - 2 - 8;
  let lengthMask = maxSepOffset;
  lengthMask |= lengthMask >> 1;
  lengthMask |= lengthMask >> 2;
  lengthMask |= lengthMask >> 4;
  lengthMask |= lengthMask >> 8;
  let syntheticLength = 0;
  for (let i = 0; i < candidates.length; i += 2) {
    const candidate = ((candidates[i]! << 8) | candidates[i + 1]!) & lengthMask;
    syntheticLength = select(lessThan(candidate, maxSepOffset), candidate, syntheticLength);
  }

  let good = isZero(em[0]!) & isZero(em[1]! ^ 2);
  let foundZero = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const equals0 = isZero(em[i]!);
    zeroIndex = select(~foundZero & equals0, i, zeroIndex);
    foundZero |= equals0;
  }
  // At least 8 padding bytes after 0x00 0x02; zeroIndex 0 (no separator) fails here too.
  good &= ~lessThan(zeroIndex, 2 + 8) & 1;
  const messageIndex = select(good, zeroIndex + 1, k - syntheticLength);

  const out = Buffer.alloc(k - messageIndex);
  const goodMask = -good & 0xff;
  for (let i = messageIndex, j = 0; i < k; i++, j++) {
    out[j] = (em[i]! & goodMask) | (synthetic[i]! & ~goodMask & 0xff);
  }
  return out;
}

/** The implicit-rejection PRF: HMAC-SHA256(kdk, counter16 || label || bitLength16) blocks. */
function rejectionPrf(kdk: Buffer, label: string, bytes: number): Buffer {
  const blocks: Buffer[] = [];
  const bitLength = Buffer.from([(bytes * 8) >> 8, (bytes * 8) & 0xff]);
  for (let counter = 0, produced = 0; produced < bytes; counter++, produced += 32) {
    blocks.push(
      createHmac('sha256', kdk)
        .update(Buffer.from([counter >> 8, counter & 0xff]))
        .update(label, 'latin1')
        .update(bitLength)
        .digest(),
    );
  }
  return Buffer.concat(blocks).subarray(0, bytes);
}

/** 1 when `x` (0..0xffff) is zero, else 0, without a branch. */
function isZero(x: number): number {
  return ((x - 1) >>> 31) & 1;
}

/** 1 when a < b for 0 <= a, b < 2^31, else 0. */
function lessThan(a: number, b: number): number {
  return ((a - b) >>> 31) & 1;
}

/** `condition` is 0 or 1 (only its low bit is read). */
function select(condition: number, whenOne: number, whenZero: number): number {
  const mask = -(condition & 1);
  return (whenOne & mask) | (whenZero & ~mask);
}
