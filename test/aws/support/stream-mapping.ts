import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { matchesAnyPattern, type FilterPattern } from '../../../local/dynamo/stream-filter';
import type { BundleHost, HostedFunction } from './bundle-host';

export interface StreamMappingProps {
  streamArn: string;
  tableName: string;
  batchSize: number;
  maximumRetryAttempts: number;
  filters: FilterPattern[];
  reportBatchItemFailures: boolean;
}

/**
 * A DynamoDB event source mapping as Lambda runs one: it reads the stream with the function's
 * own execution role (ListStreams when the mapping is made, then DescribeStream,
 * GetShardIterator and GetRecords), filters records with the mapping's FilterCriteria, hands
 * batches over in shard order, and retries from the first failed record a partial failure
 * reports. A batch that exhausts its retries is recorded in `exhausted`, which the profile
 * expects to stay empty.
 */
export class StreamMapping {
  readonly exhausted: { records: string[]; error: string }[] = [];
  /** Records handed to the function, in order (sequence numbers). */
  readonly delivered: string[] = [];
  private readonly client: DynamoDBStreamsClient;
  private running = false;
  private loop: Promise<void> | undefined;
  private pending: _Record[] = [];
  private inFlight = false;
  private paused = false;

  constructor(
    private readonly props: StreamMappingProps,
    private readonly host: BundleHost,
    private readonly fn: HostedFunction,
    emulator: { endpoint: string; region: string },
  ) {
    this.client = new DynamoDBStreamsClient({
      endpoint: emulator.endpoint,
      region: emulator.region,
      credentials: fn.credentials,
      maxAttempts: 1,
    });
  }

  async start(): Promise<void> {
    await this.client.send(new ListStreamsCommand({ TableName: this.props.tableName }));
    const { StreamDescription } = await this.client.send(
      new DescribeStreamCommand({ StreamArn: this.props.streamArn }),
    );
    const shard = StreamDescription!.Shards![0]!;
    let { ShardIterator: iterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.props.streamArn,
        ShardId: shard.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    this.running = true;
    this.loop = (async () => {
      while (this.running && iterator) {
        const page = await this.client.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
        );
        iterator = page.NextShardIterator;
        this.pending.push(...(page.Records ?? []));
        await this.drain();
        // Lambda polls each shard about four times a second.
        if ((page.Records ?? []).length === 0) await new Promise((done) => setTimeout(done, 100));
      }
    })();
  }

  /** Nothing read but not yet handed over, and no batch running. */
  get idle(): boolean {
    return this.pending.length === 0 && !this.inFlight;
  }

  /** Read on, hand nothing over until `resume` (the batch in flight finishes). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** While paused: the records read since, as Lambda would pass them, once there are any. */
  async nextHeldRecords(timeoutMs = 10_000): Promise<DynamoDBRecord[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const held = this.pending
        .map((r) => lambdaRecord(r, this.props.streamArn))
        .filter((r) => matchesAnyPattern(this.props.filters, r));
      if (held.length > 0 && !this.inFlight) return held;
      if (Date.now() > deadline) throw new Error('no stream record arrived while paused');
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop?.catch(() => undefined);
    this.client.destroy();
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0 && !this.paused) {
      const batch: _Record[] = [];
      while (batch.length < this.props.batchSize && this.pending.length > 0) {
        const record = this.pending.shift()!;
        if (matchesAnyPattern(this.props.filters, lambdaRecord(record, this.props.streamArn))) {
          batch.push(record);
        }
      }
      if (batch.length > 0) await this.invoke(batch);
    }
  }

  private async invoke(batch: _Record[]): Promise<void> {
    this.inFlight = true;
    let remaining = batch;
    let lastError = '';
    try {
      for (let attempt = 0; attempt <= this.props.maximumRetryAttempts; attempt += 1) {
        const records = remaining.map((r) => lambdaRecord(r, this.props.streamArn));
        const outcome = await this.host.invoke(this.fn.name, { Records: records });
        if (!outcome.ok) {
          lastError = outcome.error.errorMessage;
          continue;
        }
        const failures =
          (outcome.result as { batchItemFailures?: { itemIdentifier: string }[] } | null)
            ?.batchItemFailures ?? [];
        const first = failures.length
          ? remaining.findIndex((r) =>
              failures.some((f) => f.itemIdentifier === r.dynamodb?.SequenceNumber),
            )
          : -1;
        const settled = first === -1 ? remaining : remaining.slice(0, first);
        this.delivered.push(...settled.map((r) => r.dynamodb!.SequenceNumber!));
        if (first === -1) return;
        remaining = remaining.slice(first);
        lastError = `batch item failures from ${failures[0]!.itemIdentifier}`;
      }
      this.exhausted.push({
        records: remaining.map((r) => r.dynamodb!.SequenceNumber!),
        error: lastError,
      });
    } finally {
      this.inFlight = false;
    }
  }
}

/**
 * A stream record as Lambda passes it: the Streams API record plus the source ARN, as JSON
 * (the events table holds strings, numbers, maps and lists only: no binary values to encode).
 */
function lambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const { dynamodb, ...rest } = record;
  return JSON.parse(
    JSON.stringify({
      ...rest,
      dynamodb: {
        ...dynamodb,
        ApproximateCreationDateTime: Math.floor(
          (dynamodb?.ApproximateCreationDateTime?.getTime() ?? Date.now()) / 1000,
        ),
      },
      eventSourceARN: streamArn,
    }),
  ) as DynamoDBRecord;
}
