import { TRUNCATION_SUFFIX } from '../../core/format';
import type { RelayMarker } from '../../core/outbound';
import { markerAttributes } from '../shared/marker';

/**
 * IVS caps attribute maps at 1 KB, keys and values together: tokens and events
 * ([V] README IVS-3), socket messages and the byte unit ([I] README IVS-4).
 */
export const IVS_ATTRIBUTES_MAX_BYTES = 1024;
/** In event mode the sender name is capped first, so a long name cannot crowd out the text. */
export const IVS_EVENT_SENDER_MAX_BYTES = 128;

const utf8Bytes = (value: string) => Buffer.byteLength(value, 'utf8');

export function attributesBytes(attributes: Record<string, string>): number {
  return Object.entries(attributes).reduce(
    (sum, [k, value]) => sum + utf8Bytes(k) + utf8Bytes(value),
    0,
  );
}

/** Cut on a code-point boundary so the UTF-8 form fits `maxBytes`. */
export function truncateUtf8(value: string, maxBytes: number): string {
  if (utf8Bytes(value) <= maxBytes) return value;
  let out = '';
  let bytes = 0;
  for (const codePoint of value) {
    const size = utf8Bytes(codePoint);
    if (bytes + size > maxBytes) break;
    out += codePoint;
    bytes += size;
  }
  return out;
}

/** Like truncateUtf8, but a cut is visible: it ends with the relay's truncation suffix. */
export function fitUtf8Visibly(
  value: string,
  maxBytes: number,
): { text: string; truncated: boolean } {
  if (utf8Bytes(value) <= maxBytes) return { text: value, truncated: false };
  const room = maxBytes - utf8Bytes(TRUNCATION_SUFFIX);
  if (room <= 0) return { text: truncateUtf8(value, Math.max(0, maxBytes)), truncated: true };
  return { text: truncateUtf8(value, room) + TRUNCATION_SUFFIX, truncated: true };
}

/** Marker plus `sender`, the name trimmed so the whole map stays within 1 KB. */
export function messageAttributes(marker: RelayMarker, sender: string): Record<string, string> {
  const base = markerAttributes(marker);
  const budget = IVS_ATTRIBUTES_MAX_BYTES - attributesBytes(base) - utf8Bytes('sender');
  const name = truncateUtf8(sender, Math.max(0, budget));
  return name === '' ? base : { ...base, sender: name };
}

/**
 * SendEvent attributes: `text`, `sender` and the marker in 1 KB. The marker is kept whole (it
 * is what stops echo loops), the sender is capped, and the text gets what is left, cut visibly.
 */
export function eventAttributes(
  marker: RelayMarker,
  sender: string,
  text: string,
): { attributes: Record<string, string>; truncated: boolean } {
  const base = {
    ...markerAttributes(marker),
    sender: truncateUtf8(sender, IVS_EVENT_SENDER_MAX_BYTES),
  };
  const budget = IVS_ATTRIBUTES_MAX_BYTES - attributesBytes(base) - utf8Bytes('text');
  const fitted = fitUtf8Visibly(text, budget);
  return { attributes: { ...base, text: fitted.text }, truncated: fitted.truncated };
}
