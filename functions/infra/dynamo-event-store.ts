import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../core/errors';
import type { CommonEvent } from '../core/event';
import type { EventPage, EventStore, PutOutcome, StoredEvent } from '../core/ports';
import { EVENTS_TABLE } from '../definitions/tables';

export interface DynamoEventStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  retentionDays: number;
  now?: () => number;
}

/** Sortable store-order key: ms since epoch, then the event id to break ties across writers. */
export function sequenceKey(nowMs: number, eventId: string): string {
  return `${nowMs.toString().padStart(13, '0')}#${eventId}`;
}

export function encodeCursor(seq: string): string {
  return Buffer.from(seq, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const seq = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{13}#[\w-]+$/.test(seq)) {
    throw new ValidationError(
      "after is not a cursor this bridge issued: pass an event's cursor or a page's next unchanged",
      'after',
    );
  }
  return seq;
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
      raw: { S: JSON.stringify(stored.raw ?? null) },
      storedAt: { S: new Date(nowMs).toISOString() },
      [EVENTS_TABLE.timeToLiveAttribute]: {
        N: String(Math.floor(nowMs / 1000) + this.options.retentionDays * 86_400),
      },
    };
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': EVENTS_TABLE.partitionKey },
        }),
      );
      return 'created';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'duplicate';
      throw error;
    }
  }

  checkCursor(cursor: string): void {
    decodeCursor(cursor);
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
    const items = (response.Items ?? []).map((item) => ({
      event: JSON.parse(item.event?.S ?? 'null') as CommonEvent,
      cursor: encodeCursor(item.seq?.S ?? ''),
    }));
    const last = items.at(-1);
    return {
      items,
      ...(response.LastEvaluatedKey && last && { next: last.cursor }),
    };
  }
}

/** Recognized by name, not class identity: bundling can load two copies of the SDK class. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}
