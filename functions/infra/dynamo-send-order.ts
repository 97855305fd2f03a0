import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailed } from './dynamo-event-store';
import { ticketKey, type SendOrderStore, type SendTicket } from '../core/send-order';

/** Registrations live under the connection, so removing the connection removes them too. */
const connKey = (id: string) => `CONN#${id}`;
const SEND_PREFIX = 'SEND#';
const sendKey = (ticket: SendTicket) => `${SEND_PREFIX}${ticketKey(ticket)}`;
/** The connection's highest handled client `seq` (see inClientSequence). */
const SEQUENCE_SK = 'SENDSEQ';
/** A registration left by a dead invocation expires by TTL (it stops counting much sooner). */
const KEEP_SECONDS = 3600;

/** The send ordering gate on the state table: one item per send in progress. */
export class DynamoSendOrderStore implements SendOrderStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async register(ticket: SendTicket): Promise<void> {
    const now = this.now();
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: connKey(ticket.connectionId) },
          sk: { S: sendKey(ticket) },
          registeredAt: { N: String(now) },
          expiresAt: { N: String(Math.floor(now / 1000) + KEEP_SECONDS) },
        },
      }),
    );
  }

  async earlierInProgress(ticket: SendTicket, registeredSince: number): Promise<number> {
    const own = sendKey(ticket);
    let count = 0;
    let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          // Strongly consistent: a registration that was acknowledged must be seen.
          ConsistentRead: true,
          // Keys sort by gateway time: everything between the prefix and our own key is
          // earlier (and our own, skipped below: a filter may not name a key attribute).
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :own',
          FilterExpression: 'registeredAt > :since',
          ExpressionAttributeValues: {
            ':pk': { S: connKey(ticket.connectionId) },
            ':first': { S: SEND_PREFIX },
            ':own': { S: own },
            ':since': { N: String(registeredSince) },
          },
          ProjectionExpression: 'sk',
          ExclusiveStartKey: startKey,
        }),
      );
      count += (page.Items ?? []).filter((item) => item.sk?.S !== own).length;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  async sequencedThrough(connectionId: string): Promise<number> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: connKey(connectionId) }, sk: { S: SEQUENCE_SK } },
        ConsistentRead: true,
        ProjectionExpression: 'handledThrough',
      }),
    );
    return Number(Item?.handledThrough?.N ?? 0);
  }

  async markSequenced(connectionId: string, seq: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: connKey(connectionId) }, sk: { S: SEQUENCE_SK } },
          UpdateExpression: 'SET handledThrough = :seq, expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(handledThrough) OR handledThrough < :seq',
          ExpressionAttributeValues: {
            ':seq': { N: String(seq) },
            ':expires': { N: String(Math.floor(this.now() / 1000) + KEEP_SECONDS) },
          },
        }),
      );
    } catch (error) {
      // A higher number is already recorded: it never moves back.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async release(ticket: SendTicket): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: connKey(ticket.connectionId) }, sk: { S: sendKey(ticket) } },
      }),
    );
  }
}
