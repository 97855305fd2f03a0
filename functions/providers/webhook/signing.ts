import { createHmac } from 'node:crypto';
import { secureEquals } from '../../core/secure-compare';

/**
 * Standard Webhooks signatures ([V] README WH-2, WH-3, WH-4, WH-5): `v1,` + base64 HMAC-SHA256 over
 * `${id}.${timestamp}.${body}`, keyed with the base64-decoded bytes after `whsec_`; several
 * signatures, space-separated, while a secret is rotated.
 */

export const SECRET_PREFIX = 'whsec_';
/** The key for every endpoint without its own secret. */
export const DEFAULT_ENDPOINT = '*';
/** How far a signed timestamp may be from now, either way ([V] README WH-5). */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** Signing keys by endpoint URL (as written in bridges.json) or `*`. */
export type SigningKeys = ReadonlyMap<string, readonly Buffer[]>;

function keyOf(secret: unknown): Buffer | undefined {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 ? key : undefined;
}

/**
 * Reads WEBHOOK_SIGNING_SECRETS: a JSON object mapping an endpoint URL (or `*`) to a
 * `whsec_` secret or an array of them. The reason never quotes a secret.
 */
export function parseSigningSecrets(
  raw: string,
): { keys: SigningKeys; unavailable?: undefined } | { keys?: undefined; unavailable: string } {
  const refused = (why: string) => ({ unavailable: `WEBHOOK_SIGNING_SECRETS ${why}` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return refused('is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return refused('must be a JSON object of endpoint URL (or "*") to whsec_ secret(s)');
  }
  const keys = new Map<string, Buffer[]>();
  for (const [endpoint, value] of Object.entries(parsed)) {
    const secrets: unknown[] = Array.isArray(value) ? value : [value];
    const decoded = secrets.map(keyOf);
    if (decoded.length === 0 || decoded.some((key) => key === undefined)) {
      return refused(`for "${endpoint}" must be whsec_<base64> secret(s)`);
    }
    keys.set(endpoint, decoded as Buffer[]);
  }
  return { keys };
}

/** The keys an endpoint signs and verifies with: its own, else the default. */
export function keysFor(keys: SigningKeys, endpoint: string): readonly Buffer[] | undefined {
  return keys.get(endpoint) ?? keys.get(DEFAULT_ENDPOINT);
}

function sign(key: Buffer, id: string, timestamp: string, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
}

/** The `webhook-signature` header: one `v1,` signature per key. */
export function signatureHeader(
  keys: readonly Buffer[],
  id: string,
  timestamp: number,
  body: string,
): string {
  return keys.map((key) => `v1,${sign(key, id, String(timestamp), body)}`).join(' ');
}

/** Whether the header carries one `v1` signature made with one of `keys` (constant time). */
export function hasValidSignature(
  keys: readonly Buffer[],
  id: string,
  timestamp: string,
  body: string,
  header: string,
): boolean {
  const given = header
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => part.slice(3));
  let valid = false;
  for (const key of keys) {
    const expected = sign(key, id, timestamp, body);
    // Every pair is compared, so the time taken does not tell which one matched.
    for (const signature of given) valid = secureEquals(signature, expected) || valid;
  }
  return valid;
}
