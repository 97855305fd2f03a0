import { createHash } from 'node:crypto';

/** DynamoDB's key limits, in UTF-8 bytes. */
export const PARTITION_KEY_BYTES = 2048;
export const SORT_KEY_BYTES = 1024;

/**
 * A key within DynamoDB's limit: as it is when it fits, else its prefix and a SHA-256 of it.
 * One over-long channel or event id must never fail a request that carries other keys (a
 * BatchGetItem fails whole). Readers always know the value they look up by; the relay state
 * also keeps the full values as attributes of its items.
 */
export function fitKey(prefix: string, value: string, limitBytes: number): string {
  const key = `${prefix}${value}`;
  if (Buffer.byteLength(key) <= limitBytes) return key;
  return `${prefix}~sha256~${createHash('sha256').update(value).digest('hex')}`;
}
