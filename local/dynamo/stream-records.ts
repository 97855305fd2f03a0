import { randomUUID } from 'node:crypto';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';

export type Item = Record<string, AttributeValue>;

/**
 * Stream sequence numbers: numeric strings of one fixed width, increasing across writes and
 * across restarts (the clock leads, and `after` — the last persisted one — is a floor), so
 * string order is stream order as on AWS.
 */
export function sequenceNumbers(now: () => number = Date.now, after?: string): () => string {
  let last = after ? BigInt(after) : 0n;
  return () => {
    const candidate = BigInt(now()) * 1_000_000n;
    last = candidate > last ? candidate : last + 1n;
    return last.toString().padStart(25, '0');
  };
}

export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** INSERT, MODIFY or REMOVE from the item before and after a write; nothing if it did not change. */
export function changeOf(
  before: Item | undefined,
  after: Item | undefined,
): StreamEventName | undefined {
  if (!before && after) return 'INSERT';
  if (before && !after) return 'REMOVE';
  if (before && after && !sameItem(before, after)) return 'MODIFY';
  return undefined;
}

function sameItem(a: Item, b: Item): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A DynamoDB Streams record as Lambda receives it, for a table with `NEW_IMAGE` view. */
export function streamRecord(options: {
  eventName: StreamEventName;
  keys: Item;
  newImage: Item | undefined;
  sequenceNumber: string;
  region: string;
  streamArn: string;
  now?: number;
}): DynamoDBRecord {
  const newImage = options.eventName === 'REMOVE' ? undefined : options.newImage;
  return {
    eventID: randomUUID().replace(/-/g, ''),
    eventName: options.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: options.region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor((options.now ?? Date.now()) / 1000),
      Keys: options.keys,
      ...(newImage && { NewImage: newImage }),
      SequenceNumber: options.sequenceNumber,
      SizeBytes: itemSize(options.keys) + (newImage ? itemSize(newImage) : 0),
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN: options.streamArn,
  };
}

/** DynamoDB's item size rule, close enough for SizeBytes: names plus value sizes. */
export function itemSize(item: Item): number {
  return Object.entries(item).reduce(
    (total, [name, value]) => total + Buffer.byteLength(name) + valueSize(value),
    0,
  );
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (value.NS) return value.NS.reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
  if (value.BS) return value.BS.reduce((n, b) => n + Buffer.from(b, 'base64').length, 0);
  if (value.L) return 3 + value.L.reduce((n, inner) => n + 1 + valueSize(inner), 0);
  if (value.M) return 3 + itemSize(value.M) + Object.keys(value.M).length;
  return 0;
}

/** The partition key value of a record: ordering is kept per value, as a stream shard does. */
export function partitionKeyOf(record: DynamoDBRecord, partitionKey: string): string {
  return canonical(record.dynamodb?.Keys?.[partitionKey] ?? null);
}
