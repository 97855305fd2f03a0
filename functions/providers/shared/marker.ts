import type { EchoMarker } from '../../core/inbound';
import type { RelayMarker } from '../../core/outbound';
import { isProviderName } from '../../core/providers';

/**
 * The attribute names of the bridge's echo marker. Every message the bridge posts carries
 * them (IVS Attributes, Gitple meta, Pingstreams attributes, TigerConnect a data entry).
 */
export const MARKER_KEYS = {
  origin: 'bridge_origin',
  eventId: 'bridge_event',
  originMessageId: 'orig_id',
} as const;

/** The marker as a flat string map: IVS `Attributes`, Gitple `meta`, Pingstreams `attributes`. */
export function markerAttributes(marker: RelayMarker): Record<string, string> {
  return {
    [MARKER_KEYS.origin]: marker.origin,
    [MARKER_KEYS.eventId]: marker.eventId,
    [MARKER_KEYS.originMessageId]: marker.originMessageId,
  };
}

/** Read the marker from a flat attribute map; undefined when the bridge did not post it. */
export function readEchoMarker(
  attributes: Record<string, unknown> | undefined,
): EchoMarker | undefined {
  const origin = attributes?.[MARKER_KEYS.origin];
  if (origin === undefined || origin === null || origin === '') return undefined;
  const eventId = attributes?.[MARKER_KEYS.eventId];
  const originMessageId = attributes?.[MARKER_KEYS.originMessageId];
  return {
    ...(typeof origin === 'string' && isProviderName(origin) && { provider: origin }),
    ...(typeof eventId === 'string' && eventId !== '' && { eventId }),
    ...(originMessageId !== undefined &&
      originMessageId !== null && { originMessageId: String(originMessageId) }),
  };
}

/** Attribute map without the marker keys, for `message.meta`. */
export function withoutMarker<T>(
  attributes: Record<string, T> | undefined,
): Record<string, T> | undefined {
  if (!attributes) return undefined;
  const rest = Object.fromEntries(
    Object.entries(attributes).filter(([key]) => !Object.values<string>(MARKER_KEYS).includes(key)),
  );
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/**
 * Whether a message's attributes carry exactly this marker: origin, event id and origin
 * message id all equal (the event id alone names the copy; the rest guards against a stray
 * attribute map that happens to share it).
 */
export function carriesMarker(
  attributes: Record<string, unknown> | undefined,
  marker: RelayMarker,
): boolean {
  const found = readEchoMarker(attributes);
  return (
    found?.provider === marker.origin &&
    found.eventId === marker.eventId &&
    found.originMessageId === marker.originMessageId
  );
}
