import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { isProviderName } from '../core/providers';
import type { DeliveryRecord, DeliveryStatus, MessageRef, RelayState } from '../core/relay-ports';

/** Delivery records and the message-id map outlive retries and restarts, not forever. */
const STATE_RETENTION_SECONDS = 30 * 86_400;

const refKey = (ref: { provider: string; channel: string; messageId: string }) =>
  `MAP#${ref.provider}#${ref.channel}#${ref.messageId}`;

export class DynamoRelayState implements RelayState {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  private expiresAt(): AttributeValue {
    return { N: String(Math.floor(this.now() / 1000) + STATE_RETENTION_SECONDS) };
  }

  async getDelivery(eventId: string, target: string): Promise<DeliveryRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: `DLV#${eventId}` }, sk: { S: target } },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return {
      eventId,
      target,
      status: Item.status?.S as DeliveryStatus,
      attempts: Number(Item.attempts?.N ?? 0),
      ...(Item.detail?.S && { detail: Item.detail.S }),
      ...(Item.targetMessageId?.S && { targetMessageId: Item.targetMessageId.S }),
      updatedAt: Item.updatedAt?.S ?? '',
    };
  }

  async putDelivery(record: DeliveryRecord): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: `DLV#${record.eventId}` },
          sk: { S: record.target },
          status: { S: record.status },
          attempts: { N: String(record.attempts) },
          ...(record.detail && { detail: { S: record.detail } }),
          ...(record.targetMessageId && { targetMessageId: { S: record.targetMessageId } }),
          updatedAt: { S: record.updatedAt },
          expiresAt: this.expiresAt(),
        },
      }),
    );
  }

  async putMessageCopy(origin: MessageRef, copy: MessageRef): Promise<void> {
    const expiresAt = this.expiresAt();
    let requests: WriteRequest[] = [
      {
        PutRequest: {
          Item: {
            pk: { S: refKey(origin) },
            sk: { S: `COPY#${copy.provider}#${copy.channel}` },
            copyId: { S: copy.messageId },
            expiresAt,
          },
        },
      },
      {
        PutRequest: {
          Item: {
            pk: { S: refKey(copy) },
            sk: { S: 'ORIGIN' },
            originProvider: { S: origin.provider },
            originChannel: { S: origin.channel },
            originMessageId: { S: origin.messageId },
            expiresAt,
          },
        },
      },
    ];
    // Both directions in one request; DynamoDB may hand some back unprocessed under load.
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt > 5) throw new Error('message-id map write left unprocessed items');
      const response = await this.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }),
      );
      requests = response.UnprocessedItems?.[this.tableName] ?? [];
      if (requests.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }

  async findOrigin(ref: MessageRef): Promise<MessageRef | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: refKey(ref) }, sk: { S: 'ORIGIN' } },
      }),
    );
    const provider = Item?.originProvider?.S;
    if (!Item || !provider || !isProviderName(provider)) return undefined;
    return {
      provider,
      channel: Item.originChannel?.S ?? '',
      messageId: Item.originMessageId?.S ?? '',
    };
  }

  async findCopy(
    origin: MessageRef,
    target: { provider: string; channel: string },
  ): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: refKey(origin) }, sk: { S: `COPY#${target.provider}#${target.channel}` } },
      }),
    );
    return Item?.copyId?.S;
  }
}
