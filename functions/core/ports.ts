import type { CommonEvent } from './event';

/** An event as stored: the common event plus what only the bridge needs. */
export interface StoredEvent {
  event: CommonEvent;
  /** `provider#channelId`: the partition the event is ordered in. */
  channelKey: string;
  /** Caused by the bridge itself (marker or bot identity): stored, never relayed. */
  echo: boolean;
  /** The provider's original payload; kept with the event, never sent to WebSocket clients. */
  raw: unknown;
}

export type PutOutcome = 'created' | 'duplicate';

export interface EventPage {
  items: { event: CommonEvent; cursor: string }[];
  /** Cursor to pass as `after` for the next page; absent when this page is the last. */
  next?: string;
}

export interface EventStore {
  /** One conditional write: `created` the first time, `duplicate` for a redelivery. */
  putEvent(stored: StoredEvent): Promise<PutOutcome>;
  /** Events of one subject (bridge id or channel key), oldest first, strictly after `after`. */
  listEvents(subject: string, options: { after?: string; limit: number }): Promise<EventPage>;
  /** Throws a ValidationError naming `after` unless `cursor` is one this store issued. */
  checkCursor(cursor: string): void;
}

export interface Metrics {
  count(name: string, dimensions: Record<string, string>, value?: number): void;
}
