import type { EchoMarker } from '../../core/inbound';
import { isProviderName } from '../../core/providers';
import type { TigerConnectDataEntry } from './schema';

/**
 * TigerConnect messages have no attribute map; the bridge's echo marker travels as one `data[]`
 * entry in this namespace whose payload is a JSON string (the send API stringifies payloads).
 */
export const ORIGIN_NAMESPACE = 'bridge:origin';

/** The JSON inside the marker entry's payload. */
interface OriginPayload {
  provider?: unknown;
  orig_id?: unknown;
  event?: unknown;
}

/** The `data[]` entry the bridge attaches to every message it posts to TigerConnect. */
export function originDataEntry(marker: {
  provider: string;
  originMessageId?: string;
  eventId?: string;
}): { namespace: string; mimetype: string; payload: string } {
  return {
    namespace: ORIGIN_NAMESPACE,
    mimetype: 'application/json',
    payload: JSON.stringify({
      provider: marker.provider,
      ...(marker.originMessageId !== undefined && { orig_id: marker.originMessageId }),
      ...(marker.eventId !== undefined && { event: marker.eventId }),
    }),
  };
}

/**
 * The marker on an inbound message, or undefined when it carries none. A marker entry whose
 * payload cannot be read still marks an echo: the namespace alone is the bridge's, and relaying
 * our own post back would loop.
 */
export function readOriginMarker(
  data: readonly TigerConnectDataEntry[] | undefined,
): EchoMarker | undefined {
  const entry = data?.find((item) => item.namespace === ORIGIN_NAMESPACE);
  if (!entry) return undefined;
  const fields = originPayload(entry.payload);
  const { provider, orig_id: origId, event } = fields;
  return {
    ...(typeof provider === 'string' && isProviderName(provider) && { provider }),
    ...((typeof origId === 'string' || typeof origId === 'number') &&
      String(origId) !== '' && { originMessageId: String(origId) }),
    ...(typeof event === 'string' && event !== '' && { eventId: event }),
  };
}

/** `data[]` without the marker entry, for `message.meta`. */
export function withoutOriginEntry(
  data: readonly TigerConnectDataEntry[] | undefined,
): TigerConnectDataEntry[] {
  return (data ?? []).filter((item) => item.namespace !== ORIGIN_NAMESPACE);
}

function originPayload(payload: unknown): OriginPayload {
  let value = payload;
  if (typeof payload === 'string') {
    try {
      value = JSON.parse(payload);
    } catch {
      return {};
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as OriginPayload)
    : {};
}
