import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { EventPage, EventStore, PutOutcome, StoredEvent } from '../core/ports';
import { decodeCursor } from '../core/event-cursor';
import { EVENT_ATTRIBUTES as A, decodeListedItem, encodeEventItem } from './event-item-codec';

export interface DynamoEventStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  retentionDays: number;
  now?: () => number;
}

export class DynamoEventStore implements EventStore {
  private readonly now: () => number;

  constructor(private readonly options: DynamoEventStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  async putEvent(stored: StoredEvent): Promise<PutOutcome> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: encodeEventItem(stored, this.now(), this.options.retentionDays),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': A.partitionKey },
        }),
      );
      return 'created';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'duplicate';
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
    const items = (response.Items ?? []).map(decodeListedItem);
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
