import { decodeCursor, encodeCursor, sequenceKey } from '../event-cursor';
import type { EventPage, EventStore, PutOutcome, StoredEvent } from '../ports';

interface Row {
  stored: StoredEvent;
  seq: string;
}

/**
 * The event store in memory, for tests and tools: the DynamoDB store's contract without the
 * database (test/core/event-store.contract.test.ts runs both through the same assertions).
 * One event per (channel key, event id); history by subject in store order, echoes left out;
 * a full page hands out a cursor, as a DynamoDB Query stopped by its Limit does.
 */
export class MemoryEventStore implements EventStore {
  private readonly rows = new Map<string, Row>();

  constructor(private readonly now: () => number = Date.now) {}

  async putEvent(stored: StoredEvent): Promise<PutOutcome> {
    const key = JSON.stringify([stored.channelKey, stored.event.id]);
    if (this.rows.has(key)) return 'duplicate';
    this.rows.set(key, {
      stored: structuredClone(stored),
      seq: sequenceKey(this.now(), stored.event.id),
    });
    return 'created';
  }

  async listEvents(
    subject: string,
    options: { after?: string; limit: number },
  ): Promise<EventPage> {
    const after = options.after === undefined ? undefined : decodeCursor(options.after);
    const items = [...this.rows.values()]
      .filter((row) => !row.stored.echo && row.stored.event.subject === subject)
      .filter((row) => after === undefined || row.seq > after)
      .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
      .slice(0, options.limit)
      .map((row) => ({ event: structuredClone(row.stored.event), cursor: encodeCursor(row.seq) }));
    const last = items.at(-1);
    return { items, ...(items.length === options.limit && last && { next: last.cursor }) };
  }
}
