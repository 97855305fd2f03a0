import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Bridge } from '../core/bridges';
import type {
  BridgeOrigin,
  BridgeRecord,
  BridgeStatus,
  BridgeStore,
  ChannelClaim,
  ClaimedChannel,
  RemoveOutcome,
  ReplaceOutcome,
  SeedOutcome,
} from '../core/bridge-store';
import { channelKey } from '../core/providers';
import {
  BRIDGE_SK,
  REVISION_PK,
  bumpRevisionUpdate,
  seedBridgeUpdate,
} from '../definitions/bridge-seed';
import { fitKey, PARTITION_KEY_BYTES } from './dynamo-keys';

type Item = Record<string, AttributeValue>;

const NAMES = { '#doc': 'doc', '#origin': 'origin', '#status': 'status' };

/**
 * Sort key of a channel claim, whose partition key is the channel (`provider#channel`): never a
 * bridge id (no `#`) nor the revision item (`#revision` starts with `#`, a provider name never).
 */
const CLAIM_SK = 'CLAIM';
/** A released claim stays as a husk holding its `seq` (no reuse of a seq) until TTL removes it. */
const RELEASED_CLAIM_TTL_SECONDS = 24 * 3600;

/**
 * The bridges table (functions/definitions/tables.ts BRIDGES_TABLE). Each write is one
 * conditional request on the bridge's item followed by one revision bump; were the bump to
 * fail, the change would still be read by the next load any other write or cold start makes.
 */
export class DynamoBridgeStore implements BridgeStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<BridgeRecord[]> {
    const records: BridgeRecord[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          // Bridges and the revision item only: channel claims are not part of any snapshot.
          FilterExpression: 'sk = :bridge',
          ExpressionAttributeValues: { ':bridge': { S: BRIDGE_SK } },
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.pk?.S !== REVISION_PK) records.push(toRecord(item));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  }

  async get(id: string): Promise<BridgeRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }),
    );
    return Item && toRecord(Item);
  }

  async revision(): Promise<number> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: REVISION_PK }, sk: { S: BRIDGE_SK } },
        ConsistentRead: true,
      }),
    );
    return Number(Item?.revision?.N ?? 0);
  }

  async create(
    record: Pick<BridgeRecord, 'bridge' | 'origin' | 'ruleId'>,
    now: Date,
    options: { overTombstone?: boolean } = {},
  ): Promise<BridgeRecord | undefined> {
    const previous = options.overTombstone ? await this.get(record.bridge.id) : undefined;
    if (previous && previous.status !== 'deleted') return undefined;
    const time = now.toISOString();
    const created: BridgeRecord = {
      bridge: record.bridge,
      version: (previous?.version ?? 0) + 1,
      origin: record.origin,
      status: 'open',
      ...(record.ruleId !== undefined && { ruleId: record.ruleId }),
      ...(previous?.fileHash !== undefined && { fileHash: previous.fileHash }),
      createdAt: time,
      updatedAt: time,
    };
    const written = await this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(created),
        // Over a tombstone only if it is still the one just read: a concurrent create wins once.
        ConditionExpression: previous
          ? 'version = :version AND #status = :deleted'
          : 'attribute_not_exists(pk)',
        ...(previous && {
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':version': { N: String(previous.version) },
            ':deleted': { S: 'deleted' },
          },
        }),
      }),
    );
    return written ? created : undefined;
  }

  async replace(bridge: Bridge, expected: number, now: Date): Promise<ReplaceOutcome> {
    const written = await this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: key(bridge.id),
        UpdateExpression:
          'SET #doc = :doc, #origin = :api, #status = :open, updatedAt = :now ADD version :one',
        ConditionExpression: 'version = :expected AND #status <> :deleted',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: {
          ':doc': { S: JSON.stringify(bridge) },
          ':api': { S: 'api' },
          ':open': { S: 'open' },
          ':deleted': { S: 'deleted' },
          ':now': { S: now.toISOString() },
          ':one': { N: '1' },
          ':expected': { N: String(expected) },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (written) return { replaced: toRecord(written) };
    const current = await this.get(bridge.id);
    return { refused: !current || current.status === 'deleted' ? 'missing' : 'stale' };
  }

  async remove(id: string, expected: number | undefined, now: Date): Promise<RemoveOutcome> {
    const written = await this.setStatus(id, 'deleted', now, expected);
    if (written) return { removed: toRecord(written) };
    const current = await this.get(id);
    return { refused: !current || current.status === 'deleted' ? 'missing' : 'stale' };
  }

  async close(id: string, now: Date): Promise<BridgeRecord | undefined> {
    const written = await this.setStatus(id, 'closed', now);
    return written && toRecord(written);
  }

  async readClaim(channel: ClaimedChannel): Promise<ChannelClaim | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: claimKey(channel),
        ConsistentRead: true,
      }),
    );
    return Item && toClaim(channel, Item);
  }

  async claim(channel: ClaimedChannel, bridgeId: string, writer: string, at: number) {
    const item = await this.updateClaim(channel, {
      UpdateExpression:
        'SET bridgeId = :bridge, claimedAt = :at REMOVE expiresAt ADD writers :writer, seq :one',
      ConditionExpression: 'attribute_not_exists(bridgeId) OR bridgeId = :bridge',
      ExpressionAttributeValues: holding(bridgeId, writer, at),
    });
    return item && toClaim(channel, item);
  }

  async takeOver(
    channel: ClaimedChannel,
    seq: number,
    bridgeId: string,
    writer: string,
    at: number,
  ) {
    const item = await this.updateClaim(channel, {
      UpdateExpression:
        'SET bridgeId = :bridge, claimedAt = :at, writers = :writer REMOVE expiresAt ADD seq :one',
      ConditionExpression: 'seq = :seen',
      ExpressionAttributeValues: { ...holding(bridgeId, writer, at), ':seen': { N: String(seq) } },
    });
    return item && toClaim(channel, item);
  }

  async leave(channel: ClaimedChannel, writer: string) {
    const item = await this.updateClaim(channel, {
      // DynamoDB removes a set attribute that DELETE leaves empty.
      UpdateExpression: 'DELETE writers :writer ADD seq :one',
      ConditionExpression: 'contains(writers, :token)',
      ExpressionAttributeValues: {
        ':writer': { SS: [writer] },
        ':token': { S: writer },
        ':one': { N: '1' },
      },
    });
    return item && toClaim(channel, item);
  }

  async release(channel: ClaimedChannel, seq: number, now: Date): Promise<boolean> {
    const released = await this.updateClaim(channel, {
      UpdateExpression: 'REMOVE bridgeId, writers, claimedAt SET expiresAt = :expires ADD seq :one',
      ConditionExpression: 'seq = :seen',
      ExpressionAttributeValues: {
        ':expires': { N: String(Math.floor(now.getTime() / 1000) + RELEASED_CLAIM_TTL_SECONDS) },
        ':seen': { N: String(seq) },
        ':one': { N: '1' },
      },
    });
    return released !== undefined;
  }

  /** One conditional UpdateItem of a claim: the item after, undefined when refused. */
  private async updateClaim(
    channel: ClaimedChannel,
    update: Pick<
      ConstructorParameters<typeof UpdateItemCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<Item | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: claimKey(channel),
          ReturnValues: 'ALL_NEW',
          ...update,
        }),
      );
      return Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async seed(bridge: Bridge, fileHash: string, now: Date): Promise<SeedOutcome> {
    const written = await this.conditional(
      new UpdateItemCommand(seedBridgeUpdate(this.tableName, bridge, fileHash, now.toISOString())),
    );
    return written ? 'written' : 'kept';
  }

  /** Closing needs an open bridge; deleting anything not yet deleted, at `expected` if given. */
  private setStatus(id: string, status: BridgeStatus, now: Date, expected?: number) {
    const from = status === 'closed' ? '#status = :open' : '#status <> :deleted';
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: key(id),
        UpdateExpression: 'SET #status = :status, updatedAt = :now ADD version :one',
        ConditionExpression: `attribute_exists(pk) AND ${from}${
          expected !== undefined ? ' AND version = :expected' : ''
        }`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': { S: status },
          ':now': { S: now.toISOString() },
          ':one': { N: '1' },
          [status === 'closed' ? ':open' : ':deleted']: {
            S: status === 'closed' ? 'open' : 'deleted',
          },
          ...(expected !== undefined && { ':expected': { N: String(expected) } }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
  }

  /** Run a conditional write; bump the revision when it wrote, undefined when refused. */
  private async conditional(
    command: PutItemCommand | UpdateItemCommand,
  ): Promise<Item | undefined> {
    let attributes: Item;
    try {
      const output = await this.client.send(command as UpdateItemCommand);
      attributes = output.Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
    await this.client.send(new UpdateItemCommand(bumpRevisionUpdate(this.tableName)));
    return attributes;
  }
}

function key(id: string): Item {
  return { pk: { S: id }, sk: { S: BRIDGE_SK } };
}

/** The values of a write that makes `writer` of `bridgeId` hold a claim. */
function holding(bridgeId: string, writer: string, at: number): Item {
  return {
    ':bridge': { S: bridgeId },
    ':at': { N: String(at) },
    ':writer': { SS: [writer] },
    ':one': { N: '1' },
  };
}

/** The claim's key: the channel (`provider#channel`), or its SHA-256 when too long for a key. */
function claimKey(channel: ClaimedChannel): Item {
  return {
    pk: { S: fitKey('', channelKey(channel.provider, channel.channel), PARTITION_KEY_BYTES) },
    sk: { S: CLAIM_SK },
  };
}

/** A claim item; a released one (a husk without `bridgeId`) reads as no claim. */
function toClaim(channel: ClaimedChannel, item: Item): ChannelClaim | undefined {
  if (item.bridgeId?.S === undefined) return undefined;
  return {
    provider: channel.provider,
    channel: channel.channel,
    bridgeId: item.bridgeId.S,
    writers: item.writers?.SS ?? [],
    claimedAt: Number(item.claimedAt?.N ?? 0),
    seq: Number(item.seq?.N ?? 0),
  };
}

function toItem(record: BridgeRecord): Item {
  return {
    ...key(record.bridge.id),
    doc: { S: JSON.stringify(record.bridge) },
    version: { N: String(record.version) },
    origin: { S: record.origin },
    status: { S: record.status },
    ...(record.ruleId !== undefined && { ruleId: { S: record.ruleId } }),
    ...(record.fileHash !== undefined && { fileHash: { S: record.fileHash } }),
    createdAt: { S: record.createdAt },
    updatedAt: { S: record.updatedAt },
  };
}

function toRecord(item: Item): BridgeRecord {
  return {
    bridge: JSON.parse(item.doc?.S ?? '{}') as Bridge,
    version: Number(item.version?.N ?? 0),
    origin: (item.origin?.S ?? 'file') as BridgeOrigin,
    status: (item.status?.S ?? 'open') as BridgeStatus,
    ...(item.ruleId?.S !== undefined && { ruleId: item.ruleId.S }),
    ...(item.fileHash?.S !== undefined && { fileHash: item.fileHash.S }),
    createdAt: item.createdAt?.S ?? '',
    updatedAt: item.updatedAt?.S ?? '',
  };
}
