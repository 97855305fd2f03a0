import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { encodeCursor, sequenceKey, settledCursor } from '../core/event-cursor';
import type { CommonEvent } from '../core/event';
import type { StoredEvent } from '../core/ports';
import type { RelayInput } from '../core/relay';
import { EVENTS_TABLE } from '../definitions/tables';

/**
 * The events item, written by the event store and read back by history queries and by the
 * relay from the table's stream: its attribute names exist here only.
 */
export const EVENT_ATTRIBUTES = {
  partitionKey: EVENTS_TABLE.partitionKey,
  sortKey: EVENTS_TABLE.sortKey,
  expiresAt: EVENTS_TABLE.timeToLiveAttribute,
  seq: 'seq',
  subject: 'subject',
  type: 'type',
  echo: 'echo',
  event: 'event',
  raw: 'raw',
  storedAt: 'storedAt',
} as const;

const A = EVENT_ATTRIBUTES;

export type EventItem = Record<string, AttributeValue>;

/** The item one stored event is written as. */
export function encodeEventItem(
  stored: StoredEvent,
  nowMs: number,
  retentionDays: number,
): EventItem {
  const { event } = stored;
  return {
    [A.partitionKey]: { S: stored.channelKey },
    [A.sortKey]: { S: event.id },
    [A.seq]: { S: sequenceKey(nowMs, event.id) },
    // Echoes stay out of the sparse bySubject index: they are copies of messages already in
    // the bridge's history, so history and catch-up show what live clients were pushed.
    ...(!stored.echo && { [A.subject]: { S: event.subject } }),
    [A.type]: { S: event.type },
    [A.echo]: { BOOL: stored.echo },
    [A.event]: { S: JSON.stringify(event) },
    [A.raw]: { S: JSON.stringify(stored.raw ?? null) },
    [A.storedAt]: { S: new Date(nowMs).toISOString() },
    [A.expiresAt]: { N: String(Math.floor(nowMs / 1000) + retentionDays * 86_400) },
  };
}

/** A whole events item read back (tests and tools): the stored event and its expiry. */
export function decodeEventItem(item: EventItem): StoredEvent & { expiresAt: number } {
  return {
    event: JSON.parse(item[A.event]?.S ?? 'null') as CommonEvent,
    channelKey: item[A.partitionKey]?.S ?? '',
    echo: item[A.echo]?.BOOL === true,
    raw: JSON.parse(item[A.raw]?.S ?? 'null') as unknown,
    expiresAt: Number(item[A.expiresAt]?.N ?? 0),
  };
}

/** A history row (the bySubject projection: seq and event) as the API shows it. */
export function decodeListedItem(item: EventItem): { event: CommonEvent; cursor: string } {
  return {
    event: JSON.parse(item[A.event]?.S ?? 'null') as CommonEvent,
    cursor: encodeCursor(item[A.seq]?.S ?? ''),
  };
}

/** A stream record's NewImage as the relay reads it; undefined when it holds no event. */
export function decodeStreamImage(
  image: EventItem | undefined,
  nowMs: number = Date.now(),
): (RelayInput & { partitionKey: string }) | undefined {
  const eventJson = image?.[A.event]?.S;
  if (!image || !eventJson) return undefined;
  const seq = image[A.seq]?.S;
  return {
    partitionKey: image[A.partitionKey]?.S ?? '',
    event: JSON.parse(eventJson) as CommonEvent,
    echo: image[A.echo]?.BOOL === true,
    // A live push's cursor is as settled as history's: resuming from it never skips.
    ...(seq && { cursor: settledCursor(seq, nowMs) }),
  };
}
