import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { sleep } from '../core/concurrency';
import { channelKey, isProviderName, type ProviderName } from '../core/providers';
import { DynamoWriteCoalescer } from './dynamo-write-coalescer';
import { fitKey, PARTITION_KEY_BYTES, SORT_KEY_BYTES } from './dynamo-keys';
import { isConditionalCheckFailed } from './dynamo-event-store';
import {
  deliveryKey,
  type DeliveryRecord,
  type MessageCopy,
  type MessageRef,
  type RelayState,
} from '../core/relay';

/** Delivery records and the message-id map outlive retries and restarts, not forever. */
const STATE_RETENTION_SECONDS = 30 * 86_400;

const refKey = (ref: MessageRef) =>
  fitKey(
    'MAP#',
    `${channelKey(ref.provider, ref.channel)}#${ref.messageId}`,
    PARTITION_KEY_BYTES - 4,
  );
const copySortKey = (target: { provider: ProviderName; channel: string }) =>
  fitKey('COPY#', channelKey(target.provider, target.channel), SORT_KEY_BYTES);

export class DynamoRelayState implements RelayState {
  /** Delivery records and id maps written in the same moment go as one request. */
  private readonly writes: DynamoWriteCoalescer;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {
    this.writes = new DynamoWriteCoalescer(
      client,
      tableName,
      (item) => `${item.pk?.S}|${item.sk?.S}`,
    );
  }

  private expiresAt(): AttributeValue {
    return { N: String(Math.floor(this.now() / 1000) + STATE_RETENTION_SECONDS) };
  }

  async getDelivery(eventId: string, target: string): Promise<DeliveryRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: deliveryItemKey(eventId, target),
        ConsistentRead: true,
      }),
    );
    return Item ? toDeliveryRecord(Item) : undefined;
  }

  async getDeliveries(
    keys: readonly { eventId: string; target: string }[],
  ): Promise<Map<string, DeliveryRecord>> {
    const found = new Map<string, DeliveryRecord>();
    const unique = [...new Map(keys.map((k) => [deliveryKey(k.eventId, k.target), k])).values()];
    // BatchGetItem takes 100 keys; what DynamoDB hands back unprocessed is asked for again.
    for (let start = 0; start < unique.length; start += 100) {
      let pending: Record<string, AttributeValue>[] = unique
        .slice(start, start + 100)
        .map((k) => deliveryItemKey(k.eventId, k.target));
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 5) throw new Error('delivery records left unprocessed');
        const response = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        for (const item of response.Responses?.[this.tableName] ?? []) {
          const record = toDeliveryRecord(item);
          found.set(deliveryKey(record.eventId, record.target), record);
        }
        pending = response.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (pending.length > 0) await sleep(50 * 2 ** attempt);
      }
    }
    return found;
  }

  async putDelivery(record: DeliveryRecord, copy?: MessageCopy): Promise<void> {
    const expiresAt = this.expiresAt();
    const deliveryItem: Record<string, AttributeValue> = {
      ...deliveryItemKey(record.eventId, record.target),
      eventId: { S: record.eventId },
      target: { S: record.target },
      status: { S: record.status },
      attempts: { N: String(record.attempts) },
      ...(record.detail && { detail: { S: record.detail } }),
      ...(record.targetMessageId && { targetMessageId: { S: record.targetMessageId } }),
      ...(record.notBefore && { notBefore: { S: record.notBefore } }),
      ...(record.outcomeUnknownSince && {
        outcomeUnknownSince: { S: record.outcomeUnknownSince },
      }),
      ...(record.mayDuplicate && { mayDuplicate: { BOOL: true } }),
      updatedAt: { S: record.updatedAt },
      expiresAt,
    };
    if (!copy) return this.writes.put([deliveryItem]);
    // The delivery and both directions of the id map in one request.
    return this.writes.put([
      deliveryItem,
      {
        pk: { S: refKey(copy.origin) },
        sk: { S: copySortKey(copy.copy) },
        copyId: { S: copy.copy.messageId },
        expiresAt,
      },
      {
        pk: { S: refKey(copy.copy) },
        sk: { S: 'ORIGIN' },
        originProvider: { S: copy.origin.provider },
        originChannel: { S: copy.origin.channel },
        originMessageId: { S: copy.origin.messageId },
        expiresAt,
      },
    ]);
  }

  async claimDeletion(root: MessageRef, eventId: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: fitKey('DEL#', refKey(root), PARTITION_KEY_BYTES) },
            sk: { S: 'CLAIM' },
            eventId: { S: eventId },
            expiresAt: this.expiresAt(),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR eventId = :e',
          ExpressionAttributeValues: { ':e': { S: eventId } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async findOrigin(ref: MessageRef): Promise<MessageRef | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: refKey(ref) }, sk: { S: 'ORIGIN' } },
        // A delete right after its send must see the map entry the send wrote.
        ConsistentRead: true,
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
    target: { provider: ProviderName; channel: string },
  ): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: refKey(origin) }, sk: { S: copySortKey(target) } },
        ConsistentRead: true,
      }),
    );
    return Item?.copyId?.S;
  }
}

function deliveryItemKey(eventId: string, target: string): Record<string, AttributeValue> {
  return {
    pk: { S: fitKey('DLV#', eventId, PARTITION_KEY_BYTES) },
    sk: { S: fitKey('', target, SORT_KEY_BYTES) },
  };
}

function toDeliveryRecord(item: Record<string, AttributeValue>): DeliveryRecord {
  return {
    // Items written before the ids were kept as attributes carry them in their keys only.
    eventId: item.eventId?.S ?? (item.pk?.S ?? '').slice('DLV#'.length),
    target: item.target?.S ?? item.sk?.S ?? '',
    status: item.status?.S as DeliveryRecord['status'],
    attempts: Number(item.attempts?.N ?? 0),
    ...(item.detail?.S && { detail: item.detail.S }),
    ...(item.targetMessageId?.S && { targetMessageId: item.targetMessageId.S }),
    ...(item.notBefore?.S && { notBefore: item.notBefore.S }),
    ...(item.outcomeUnknownSince?.S && { outcomeUnknownSince: item.outcomeUnknownSince.S }),
    ...(item.mayDuplicate?.BOOL && { mayDuplicate: true }),
    updatedAt: item.updatedAt?.S ?? '',
  };
}
