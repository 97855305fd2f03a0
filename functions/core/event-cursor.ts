import { ValidationError } from './errors';

/**
 * Store order and the cursors history hands out, shared by every event store so a cursor
 * means the same whichever store wrote it: opaque to clients, checked when it comes back.
 */

/** Sortable store-order key: ms since epoch, then the event id to break ties across writers. */
export function sequenceKey(nowMs: number, eventId: string): string {
  return `${nowMs.toString().padStart(13, '0')}#${eventId}`;
}

export function encodeCursor(seq: string): string {
  return Buffer.from(seq, 'utf8').toString('base64url');
}

/** The sequence key a cursor stands for; a cursor the bridge never issued is a 400. */
export function decodeCursor(cursor: string): string {
  const seq = Buffer.from(cursor, 'base64url').toString('utf8');
  // `<ms>#~` is a settle horizon (`~` sorts after every event id): after all events of that ms.
  if (!/^\d{13}#(?:[\w-]+|~)$/.test(seq)) {
    throw new ValidationError(
      "after is not a cursor this bridge issued: pass an event's cursor or a page's next unchanged",
      'after',
    );
  }
  return seq;
}

/**
 * How long a just-written event may still be overtaken: a put stamped earlier can land (and
 * reach the history index) after a later-stamped one was read, within the event store's put
 * deadline plus margin for clock skew and index lag (see DynamoEventStore).
 */
export const SETTLE_MS = 15_000;

/** The newest position a reader may hand out at `nowMs` (`~` sorts after every event id). */
export function settleHorizon(nowMs: number): string {
  return `${Math.max(0, nowMs - SETTLE_MS)
    .toString()
    .padStart(13, '0')}#~`;
}

/**
 * The cursor for `seq` as handed out at `nowMs`: exact once settled, else the settle horizon,
 * so a client resuming from it re-reads the unsettled tail (repeats it drops by event id)
 * rather than skipping an event that lands late. History and live pushes both use it.
 */
export function settledCursor(seq: string, nowMs: number): string {
  const horizon = settleHorizon(nowMs);
  return encodeCursor(seq <= horizon ? seq : horizon);
}
