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
