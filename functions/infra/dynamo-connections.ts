import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { batchWriteAll } from './dynamo-batch-write';
import {
  CONNECTION_TTL_SECONDS,
  type ConnectionInfo,
  type ConnectionStore,
  type Subscriber,
  type Subscription,
} from '../core/connections';

const connKey = (id: string) => `CONN#${id}`;
const subsKey = (bridgeId: string) => `SUBS#${bridgeId}`;

export class DynamoConnectionStore implements ConnectionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  private expiresAt() {
    return { N: String(Math.floor(this.now() / 1000) + CONNECTION_TTL_SECONDS) };
  }

  async connect(info: ConnectionInfo): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: connKey(info.connectionId) },
          sk: { S: 'META' },
          sub: { S: info.sub },
          ...(info.name !== undefined && { name: { S: info.name } }),
          ...(info.bridges !== undefined && { bridges: { S: JSON.stringify(info.bridges) } }),
          connectedAt: { S: info.connectedAt },
          expiresAt: this.expiresAt(),
        },
      }),
    );
  }

  async get(connectionId: string): Promise<ConnectionInfo | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: connKey(connectionId) }, sk: { S: 'META' } },
      }),
    );
    if (!Item?.sub?.S) return undefined;
    return {
      connectionId,
      sub: Item.sub.S,
      ...(Item.name?.S !== undefined && { name: Item.name.S }),
      ...(Item.bridges?.S !== undefined && { bridges: JSON.parse(Item.bridges.S) as string[] }),
      connectedAt: Item.connectedAt?.S ?? '',
    };
  }

  async subscribe(subscription: Subscription): Promise<void> {
    const { connectionId, bridgeId } = subscription;
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: connKey(connectionId) },
          sk: { S: `SUB#${bridgeId}` },
          gsi1pk: { S: subsKey(bridgeId) },
          gsi1sk: { S: connectionId },
          // Read back by the relay's subscribers Query to pick who gets delivery frames.
          sub: { S: subscription.sub },
          deliveries: { BOOL: subscription.deliveries },
          expiresAt: this.expiresAt(),
        },
      }),
    );
  }

  async unsubscribe(connectionId: string, bridgeId: string): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: connKey(connectionId) }, sk: { S: `SUB#${bridgeId}` } },
      }),
    );
  }

  async subscribers(bridgeId: string): Promise<string[]> {
    return (await this.subscriptions(bridgeId)).map((s) => s.connectionId);
  }

  async subscriptions(bridgeId: string): Promise<Subscriber[]> {
    const subscribers: Subscriber[] = [];
    let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byGsi1',
          KeyConditionExpression: 'gsi1pk = :b',
          ExpressionAttributeValues: { ':b': { S: subsKey(bridgeId) } },
          ExpressionAttributeNames: { '#sub': 'sub' },
          ProjectionExpression: 'gsi1sk, #sub, deliveries',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (!item.gsi1sk?.S) continue;
        subscribers.push({
          connectionId: item.gsi1sk.S,
          sub: item.sub?.S ?? '',
          deliveries: item.deliveries?.BOOL === true,
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return subscribers;
  }

  async remove(connectionId: string): Promise<void> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: connKey(connectionId) } },
        ProjectionExpression: 'pk, sk',
      }),
    );
    await batchWriteAll(
      this.client,
      this.tableName,
      Items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } })),
    );
  }
}
