import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { withDeadline } from '../core/concurrency';
import { ValidationError } from '../core/errors';
import { decodeCursor, encodeCursor, SETTLE_MS, settleHorizon } from '../core/event-cursor';
import { boundedRawJson, LIMITS, utf8Bytes } from '../core/limits';
import type { EventPage, EventStore, PutOutcome, StoredEvent } from '../core/ports';
import { EVENT_ATTRIBUTES as A, decodeListedItem, encodeEventItem } from './event-item-codec';

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
 * reader never hands out a position newer than SETTLE_MS ago (core/event-cursor.ts) (the deadline plus margin for
 * clock skew and index lag): a newer event is returned, but its cursor is the settle horizon,
 * so resuming from it re-reads the unsettled tail (at worst a duplicate, which clients drop by
 * event id) instead of skipping what lands late.
 */
export const PUT_DEADLINE_MS = 10_000;
export { SETTLE_MS };

export class DynamoEventStore implements EventStore {
  private readonly now: () => number;

  constructor(private readonly options: DynamoEventStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  async putEvent(stored: StoredEvent): Promise<PutOutcome> {
    const { [A.raw]: _raw, ...item } = encodeEventItem(
      stored,
      this.now(),
      this.options.retentionDays,
    );
    // The raw payload takes whatever the item budget leaves: a large one (or a multi-event
    // delivery's whole body) is stored as a size + digest marker, never failing the write.
    const raw = boundedRawJson(JSON.stringify(stored.raw ?? null), rawBudget(item));
    try {
      await withDeadline(this.options.putDeadlineMs ?? PUT_DEADLINE_MS, (abortSignal) =>
        this.options.client.send(
          new PutItemCommand({
            TableName: this.options.tableName,
            Item: { ...item, [A.raw]: { S: raw } },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': A.partitionKey },
          }),
          { abortSignal },
        ),
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
        ExpressionAttributeNames: { '#s': A.subject, '#q': A.seq, '#e': A.event },
        ExpressionAttributeValues: {
          ':s': { S: subject },
          ...(after && { ':after': { S: after } }),
        },
        ProjectionExpression: '#q, #e',
        ScanIndexForward: true,
        Limit: options.limit,
      }),
    );
    const horizon = settleHorizon(this.now());
    const rows = response.Items ?? [];
    const seqs = rows.map((row) => row[A.seq]?.S ?? '');
    const items = rows.map((row, index) => ({
      event: decodeListedItem(row).event,
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
  let used = utf8Bytes(A.raw);
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
