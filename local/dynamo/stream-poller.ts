import type { DynamoDBRecord } from 'aws-lambda';
import type { InvokeOutcome, LambdaErrorPayload } from '../lambda/function-host';
import { LOCAL_ACCOUNT_ID } from '../lambda/aws-ids';
import type { LocalLog } from '../tooling/log';
import { matchesAnyPattern, type FilterPattern } from './stream-filter';
import type { StreamedTable } from './stream-proxy';
import { partitionKeyOf } from './stream-records';

/** The event source mapping settings the poller honours (RELAY_STREAM_SETTINGS' shape). */
export interface StreamSettings {
  batchSize: number;
  maxBatchingWindowSeconds: number;
  retryAttempts: number;
  bisectBatchOnError: boolean;
  reportBatchItemFailures: boolean;
  /** Concurrent batches per consumer, never two holding the same partition key. */
  parallelizationFactor?: number;
  filterPatterns: readonly FilterPattern[];
}

export interface PolledConsumer {
  functionName: string;
  table: StreamedTable;
  settings: StreamSettings;
}

/**
 * What the on-failure destination receives: AWS's invocation record for a stream batch whose
 * retries ran out, plus (locally) the records themselves so they can be inspected or replayed.
 */
export interface FailedStreamBatch {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: '$LATEST'; functionError?: string };
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
  functionName: string;
  error: LambdaErrorPayload | { errorType: string; errorMessage: string };
  records: DynamoDBRecord[];
}

export interface StreamPollerOptions {
  consumers: PolledConsumer[];
  invoke: (functionName: string, event: unknown) => Promise<InvokeOutcome>;
  log: LocalLog;
  onFailure: (batch: FailedStreamBatch) => void;
  region: string;
  /** First retry delay; doubles per attempt up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

interface Entry {
  record: DynamoDBRecord;
  key: string;
  seq: bigint;
  /** Failed invocations this record was part of (bisecting does not count). */
  attempts: number;
  arrivedAt: number;
}

/**
 * Lambda's stream poller for each STREAM_CONSUMERS function: filter, batch (size and
 * window), invoke, and on failure retry — from the first failed record of each partition key
 * (reportBatchItemFailures), splitting the batch on a thrown error (bisect) — up to
 * retryAttempts, then hand the batch to the on-failure destination. Records of one partition
 * key are delivered in order; a failing key waits in backoff without holding the others.
 */
export class StreamPoller {
  private readonly lanes: ConsumerLane[];
  private readonly byTable = new Map<string, ConsumerLane[]>();

  constructor(options: StreamPollerOptions) {
    this.lanes = options.consumers.map((consumer) => new ConsumerLane(consumer, options));
    for (const lane of this.lanes) {
      const key = lane.consumer.table.definition.logicalName;
      this.byTable.set(key, [...(this.byTable.get(key) ?? []), lane]);
    }
  }

  publish(table: StreamedTable, record: DynamoDBRecord): void {
    for (const lane of this.byTable.get(table.definition.logicalName) ?? []) lane.publish(record);
  }

  /** Resolves once every consumer has nothing queued or running, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.lanes.every((lane) => lane.idle())) return true;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.lanes.every((lane) => lane.idle());
  }

  /** Stop polling; answers how many records were still undelivered. */
  close(): number {
    return this.lanes.reduce((total, lane) => total + lane.stop(), 0);
  }
}

class ConsumerLane {
  private readonly queues = new Map<string, Entry[]>();
  private readonly notBefore = new Map<string, number>();
  /** Halves of a bisected batch, oldest first; they run before newer records of their keys. */
  private pending: Entry[][] = [];
  private readonly inFlight = new Set<string>();
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly settings: StreamSettings;

  constructor(
    readonly consumer: PolledConsumer,
    private readonly options: StreamPollerOptions,
  ) {
    this.settings = consumer.settings;
  }

  publish(record: DynamoDBRecord): void {
    if (this.stopped) return;
    if (!matchesAnyPattern(this.settings.filterPatterns, record)) return;
    const key = partitionKeyOf(record, this.consumer.table.definition.partitionKey);
    const entry: Entry = {
      record,
      key,
      seq: BigInt(record.dynamodb?.SequenceNumber ?? '0'),
      attempts: 0,
      arrivedAt: Date.now(),
    };
    this.queues.set(key, [...(this.queues.get(key) ?? []), entry]);
    this.pump();
  }

  idle(): boolean {
    return this.running === 0 && this.pending.length === 0 && this.queued() === 0;
  }

  stop(): number {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.queued() + this.pending.reduce((total, batch) => total + batch.length, 0);
  }

  private queued(): number {
    let total = 0;
    for (const queue of this.queues.values()) total += queue.length;
    return total;
  }

  private pump(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const concurrency = Math.max(1, this.settings.parallelizationFactor ?? 1);
    while (this.running < concurrency) {
      const batch = this.nextBatch(Date.now());
      if (!batch) break;
      this.running += 1;
      batch.forEach((entry) => this.inFlight.add(entry.key));
      void this.run(batch).finally(() => {
        this.running -= 1;
        batch.forEach((entry) => this.inFlight.delete(entry.key));
        this.pump();
      });
    }
    this.scheduleWake();
  }

  private ready(key: string, now: number): boolean {
    return !this.inFlight.has(key) && (this.notBefore.get(key) ?? 0) <= now;
  }

  private nextBatch(now: number): Entry[] | undefined {
    const blocked = new Set<string>();
    for (let i = 0; i < this.pending.length; i += 1) {
      const batch = this.pending[i]!;
      const keys = new Set(batch.map((entry) => entry.key));
      if ([...keys].every((key) => this.ready(key, now) && !blocked.has(key))) {
        this.pending.splice(i, 1);
        return batch;
      }
      keys.forEach((key) => blocked.add(key));
    }
    const candidates: Entry[] = [];
    for (const [key, queue] of this.queues) {
      if (queue.length > 0 && !blocked.has(key) && this.ready(key, now)) candidates.push(...queue);
    }
    if (candidates.length === 0) return undefined;
    candidates.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    const oldest = Math.min(...candidates.map((entry) => entry.arrivedAt));
    const windowEnds = oldest + this.settings.maxBatchingWindowSeconds * 1000;
    if (candidates.length < this.settings.batchSize && windowEnds > now) return undefined;
    const batch = candidates.slice(0, this.settings.batchSize);
    for (const entry of batch) {
      const queue = this.queues.get(entry.key)!;
      queue.splice(queue.indexOf(entry), 1);
      if (queue.length === 0) this.queues.delete(entry.key);
    }
    return batch;
  }

  private scheduleWake(): void {
    if (this.stopped || this.idle()) return;
    const now = Date.now();
    let wake = Infinity;
    const consider = (key: string) => {
      const until = this.notBefore.get(key) ?? 0;
      if (until > now) wake = Math.min(wake, until);
    };
    for (const batch of this.pending) batch.forEach((entry) => consider(entry.key));
    let oldestReady = Infinity;
    for (const [key, queue] of this.queues) {
      consider(key);
      if (queue.length > 0 && this.ready(key, now)) {
        oldestReady = Math.min(oldestReady, ...queue.map((entry) => entry.arrivedAt));
      }
    }
    if (oldestReady !== Infinity) {
      wake = Math.min(wake, oldestReady + this.settings.maxBatchingWindowSeconds * 1000);
    }
    if (wake === Infinity) return; // whatever is left waits for a running batch to finish
    this.timer = setTimeout(() => this.pump(), Math.max(1, wake - now));
  }

  private async run(batch: Entry[]): Promise<void> {
    const { functionName } = this.consumer;
    const started = performance.now();
    const keys = new Set(batch.map((entry) => entry.key)).size;
    const label = `${functionName} batch of ${batch.length} (${keys} key${keys === 1 ? '' : 's'})`;
    const outcome = await this.options.invoke(functionName, {
      Records: batch.map((entry) => entry.record),
    });
    const ms = Math.round(performance.now() - started);
    if (!outcome.ok) {
      this.options.log.warn('stream', `${label} failed ${ms}ms: ${outcome.error.errorMessage}`);
      this.failWhole(batch, outcome.error);
      return;
    }
    if (!this.settings.reportBatchItemFailures) {
      this.options.log.info('stream', `${label} ok ${ms}ms`);
      return;
    }
    const failed = batchItemFailures(
      outcome.result,
      batch.map((entry) => entry.record),
    );
    if (failed === 'invalid') {
      this.options.log.warn(
        'stream',
        `${label}: invalid batchItemFailures answer, whole batch failed`,
      );
      this.failWhole(batch, {
        errorType: 'InvalidBatchItemFailures',
        errorMessage:
          'batchItemFailures named a record not in the batch, or an empty itemIdentifier',
      });
      return;
    }
    if (failed.size === 0) {
      this.options.log.info('stream', `${label} ok ${ms}ms`);
      return;
    }
    this.options.log.warn('stream', `${label} ${failed.size} record(s) reported failed ${ms}ms`);
    this.failPartially(batch, failed);
  }

  /** A thrown error (or timeout): bisect while there is something to split, else count a try. */
  private failWhole(batch: Entry[], error: FailedStreamBatch['error']): void {
    if (this.settings.bisectBatchOnError && batch.length > 1) {
      const middle = Math.ceil(batch.length / 2);
      this.pending.unshift(batch.slice(0, middle), batch.slice(middle));
      return;
    }
    batch.forEach((entry) => (entry.attempts += 1));
    const exhausted = batch.filter((entry) => entry.attempts > this.settings.retryAttempts);
    if (exhausted.length > 0) this.toDestination(exhausted, error);
    this.requeue(batch.filter((entry) => !exhausted.includes(entry)));
  }

  /**
   * Per partition key: records before its first failed one are done; that one and the rest of
   * its key are retried, except failed records past retryAttempts, which go to the destination.
   */
  private failPartially(batch: Entry[], failed: Set<string>): void {
    const exhausted: Entry[] = [];
    const byKey = new Map<string, Entry[]>();
    batch.forEach((entry) => byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry]));
    for (const entries of byKey.values()) {
      for (let i = 0; i < entries.length; i += 1) {
        const entry = entries[i]!;
        if (!failed.has(entry.record.dynamodb?.SequenceNumber ?? '')) continue;
        entry.attempts += 1;
        if (entry.attempts > this.settings.retryAttempts) {
          exhausted.push(entry);
          continue;
        }
        this.requeue(entries.slice(i));
        break;
      }
    }
    if (exhausted.length > 0) {
      this.toDestination(exhausted, {
        errorType: 'BatchItemFailure',
        errorMessage: 'the function reported these records as failed on every attempt',
      });
    }
  }

  /** Back to the head of their keys' queues (with any newer records of those keys held in
   * bisect halves), in sequence order, after a backoff. */
  private requeue(entries: Entry[]): void {
    if (entries.length === 0) return;
    const keys = new Set(entries.map((entry) => entry.key));
    const returning = [...entries];
    this.pending = this.pending
      .map((batch) =>
        batch.filter((entry) => {
          if (!keys.has(entry.key)) return true;
          returning.push(entry);
          return false;
        }),
      )
      .filter((batch) => batch.length > 0);
    const base = this.options.retryDelayMs ?? 500;
    const max = this.options.maxRetryDelayMs ?? 10_000;
    for (const key of keys) {
      const mine = returning.filter((entry) => entry.key === key);
      const merged = [...mine, ...(this.queues.get(key) ?? [])].sort((a, b) =>
        a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0,
      );
      this.queues.set(key, merged);
      const attempts = Math.max(1, ...mine.map((entry) => entry.attempts));
      this.notBefore.set(key, Date.now() + Math.min(max, base * 2 ** (attempts - 1)));
    }
  }

  private toDestination(entries: Entry[], error: FailedStreamBatch['error']): void {
    const { functionName, table } = this.consumer;
    const records = entries.map((entry) => entry.record);
    const first = entries[0]!;
    const last = entries.at(-1)!;
    const failed: FailedStreamBatch = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: crypto.randomUUID(),
        functionArn: `arn:aws:lambda:${this.options.region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: Math.max(...entries.map((entry) => entry.attempts)),
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(error.errorType !== 'BatchItemFailure' && { functionError: 'Unhandled' }),
      },
      DDBStreamBatchInfo: {
        shardId: 'shardId-local-00000001',
        startSequenceNumber: first.record.dynamodb?.SequenceNumber ?? '',
        endSequenceNumber: last.record.dynamodb?.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: new Date(first.arrivedAt).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.arrivedAt).toISOString(),
        batchSize: entries.length,
        streamArn: table.streamArn,
      },
      functionName,
      error,
      records,
    };
    this.options.log.error(
      'stream',
      `${functionName}: ${entries.length} record(s) failed past ${this.settings.retryAttempts} retries; sent to the on-failure destination`,
      {
        sequenceNumbers: records.map((record) => record.dynamodb?.SequenceNumber),
        error: error.errorMessage,
      },
    );
    this.options.onFailure(failed);
  }
}

/**
 * The sequence numbers a `{batchItemFailures}` answer names. An empty or missing list is full
 * success; an identifier that is empty or not in the batch makes the whole batch a failure.
 */
export function batchItemFailures(
  result: unknown,
  batch: DynamoDBRecord[],
): Set<string> | 'invalid' {
  const failures = (result as { batchItemFailures?: unknown } | null | undefined)
    ?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return new Set();
  const known = new Set(batch.map((record) => record.dynamodb?.SequenceNumber ?? ''));
  const named = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !known.has(id)) return 'invalid';
    named.add(id);
  }
  return named;
}
