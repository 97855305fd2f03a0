import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../core/errors';
import { boundedRawJson, LIMITS, utf8Bytes } from '../core/limits';
import type { CommonEvent } from '../core/event';
import type { EventPage, EventStore, PutOutcome, StoredEvent } from '../core/ports';
import { EVENTS_TABLE } from '../definitions/tables';

export interface DynamoEventStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  retentionDays: number;
  now?: () => number;
  /** How long one put may be in flight (SDK retries included); see SETTLE_MS. */
  putDeadlineMs?: number;
}

/**
 * Why cursors are capped. `seq` is stamped from the writer's clock before PutItem, and the
 * SDK's retries keep that stamp, so an event can land (and reach the bySubject GSI, which is
 * itself eventually consistent) after a later-stamped one was already read. A cursor handed
 * out past such an event would skip it for good. A per-subject counter would not help: two
 * writers holding N and N+1 can still land in the other order. So the writer bounds how long a
 * put may be in flight (PUT_DEADLINE_MS, then it fails and the provider redelivers), and the
 * reader never hands out a position newer than SETTLE_MS ago (the deadline plus margin for
 * clock skew and index lag): a newer event is returned, but its cursor is the settle horizon,
 * so resuming from it re-reads the unsettled tail (at worst a duplicate, which clients drop by
 * event id) instead of skipping what lands late.
 */
export const PUT_DEADLINE_MS = 10_000;
export const SETTLE_MS = 15_000;

/** Sortable store-order key: ms since epoch, then the event id to break ties across writers. */
export function sequenceKey(nowMs: number, eventId: string): string {
  return `${nowMs.toString().padStart(13, '0')}#${eventId}`;
}

export function encodeCursor(seq: string): string {
  return Buffer.from(seq, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const seq = Buffer.from(cursor, 'base64url').toString('utf8');
  // `~` sorts after every event id: `<ms>#~` is the horizon, after all events of that ms.
  if (!/^\d{13}#(?:[\w-]+|~)$/.test(seq)) {
    throw new ValidationError('after: not a valid cursor', 'after');
  }
  return seq;
}

/** The newest position a reader may hand out at `nowMs`. */
export function settleHorizon(nowMs: number): string {
  return `${Math.max(0, nowMs - SETTLE_MS)
    .toString()
    .padStart(13, '0')}#~`;
}

export class DynamoEventStore implements EventStore {
  private readonly now: () => number;

  constructor(private readonly options: DynamoEventStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  async putEvent(stored: StoredEvent): Promise<PutOutcome> {
    const nowMs = this.now();
    const { event } = stored;
    const item: Record<string, AttributeValue> = {
      [EVENTS_TABLE.partitionKey]: { S: stored.channelKey },
      [EVENTS_TABLE.sortKey]: { S: event.id },
      seq: { S: sequenceKey(nowMs, event.id) },
      // Echoes stay out of the sparse bySubject index: they are copies of messages already in
      // the bridge's history, so history and catch-up show what live clients were pushed.
      ...(!stored.echo && { subject: { S: event.subject } }),
      type: { S: event.type },
      echo: { BOOL: stored.echo },
      event: { S: JSON.stringify(event) },
      storedAt: { S: new Date(nowMs).toISOString() },
      [EVENTS_TABLE.timeToLiveAttribute]: {
        N: String(Math.floor(nowMs / 1000) + this.options.retentionDays * 86_400),
      },
    };
    // The raw payload takes whatever the item budget leaves: a large one (or a multi-event
    // delivery's whole body) is stored as a size + digest marker, never failing the write.
    item.raw = { S: boundedRawJson(JSON.stringify(stored.raw ?? null), rawBudget(item)) };
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': EVENTS_TABLE.partitionKey },
        }),
        { abortSignal: AbortSignal.timeout(this.options.putDeadlineMs ?? PUT_DEADLINE_MS) },
      );
      return 'created';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'duplicate';
      // DynamoDB refusing the item itself (a key or the item over its limit) is permanent:
      // a 4xx for a webhook, a rejected (acked) record for a poller, never retried forever.
      if (error instanceof Error && error.name === 'ValidationException') {
        throw new ValidationError(
          `the event store refused the event: ${error.message}`,
          undefined,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  async listEvents(
    subject: string,
    options: { after?: string; limit: number },
  ): Promise<EventPage> {
    const after = options.after === undefined ? undefined : decodeCursor(options.after);
    const response = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: 'bySubject',
        KeyConditionExpression: after ? '#s = :s AND #q > :after' : '#s = :s',
        ExpressionAttributeNames: { '#s': 'subject', '#q': 'seq' },
        ExpressionAttributeValues: {
          ':s': { S: subject },
          ...(after && { ':after': { S: after } }),
        },
        ProjectionExpression: '#q, event',
        ScanIndexForward: true,
        Limit: options.limit,
      }),
    );
    const horizon = settleHorizon(this.now());
    const seqs = (response.Items ?? []).map((item) => item.seq?.S ?? '');
    const items = (response.Items ?? []).map((item, index) => ({
      event: JSON.parse(item.event?.S ?? 'null') as CommonEvent,
      cursor: encodeCursor(seqs[index]! <= horizon ? seqs[index]! : horizon),
    }));
    const lastSeq = seqs.at(-1);
    if (!response.LastEvaluatedKey || lastSeq === undefined) return { items };
    // Paging must progress: when a page starts past the horizon (more than a page of events
    // unsettled), the capped cursor would return the same page again, so it continues from
    // the exact position; the one place an unsettled position is handed out.
    const capped = lastSeq <= horizon ? lastSeq : horizon;
    return { items, next: encodeCursor(capped >= seqs[0]! ? capped : lastSeq) };
  }
}

/** What an item may still spend on its raw payload: DynamoDB counts names and values. */
function rawBudget(item: Record<string, AttributeValue>): number {
  let used = utf8Bytes('raw');
  for (const [name, value] of Object.entries(item)) {
    used += utf8Bytes(name) + utf8Bytes(value.S ?? value.N ?? '') + 1;
  }
  return LIMITS.itemBytes - used;
}

/** Recognized by name, not class identity: bundling can load two copies of the SDK class. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}
