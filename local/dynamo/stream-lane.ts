// Over 250 lines on purpose: ConsumerLane is one state machine. Its queues, bisect halves,
// in-flight keys, backoffs and checkpoints change together in every method below (a retry
// requeues, moves backoff and holds the checkpoint back in one step); batch selection, the
// wake-up time and the on-failure hand-off, which only read that state, are in
// stream-lane-batches.ts.
import type { DynamoDBRecord } from 'aws-lambda';
import { batchItemFailures, type FailedStreamBatch } from './stream-batch';
import {
  bySeq,
  nextBatch,
  nextWake,
  toDestination,
  type Entry,
  type LaneQueues,
} from './stream-lane-batches';
import { matchesAnyPattern } from './stream-filter';
import type { PolledConsumer, StreamPollerOptions, StreamSettings } from './stream-poller';
import { partitionKeyOf } from './stream-records';

/** One consumer's view of the stream: see StreamPoller. */
export class ConsumerLane {
  private readonly queues = new Map<string, Entry[]>();
  private readonly notBefore = new Map<string, number>();
  /** Halves of a bisected batch, oldest first; they run before newer records of their keys. */
  private pending: Entry[][] = [];
  private readonly inFlight = new Set<string>();
  /** Per partition key, the last sequence number done with (see onCheckpoint). */
  private readonly checkpoints = new Map<string, bigint>();
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumpQueued = false;
  private stopped = false;
  private readonly settings: StreamSettings;

  constructor(
    readonly consumer: PolledConsumer,
    private readonly options: StreamPollerOptions,
  ) {
    this.settings = consumer.settings;
  }

  keyOf(record: DynamoDBRecord): string {
    return partitionKeyOf(record, this.consumer.table.definition.partitionKey);
  }

  restore(checkpoints: ReadonlyMap<string, string>): void {
    for (const [key, seq] of checkpoints) this.checkpoints.set(key, BigInt(seq));
  }

  needs(record: DynamoDBRecord): boolean {
    if (!matchesAnyPattern(this.settings.filterPatterns, record)) return false;
    const done = this.checkpoints.get(this.keyOf(record));
    return done === undefined || BigInt(record.dynamodb?.SequenceNumber ?? '0') > done;
  }

  /** Queue a record the filter lets through and this consumer has not done; answers whether. */
  publish(record: DynamoDBRecord): boolean {
    if (this.stopped || !this.needs(record)) return false;
    const key = this.keyOf(record);
    const entry: Entry = {
      record,
      key,
      seq: BigInt(record.dynamodb?.SequenceNumber ?? '0'),
      attempts: 0,
      arrivedAt: Date.now(),
    };
    const queue = this.queues.get(key);
    if (queue) queue.push(entry);
    else this.queues.set(key, [entry]);
    // Hand over at once, yet after this tick: records written together (a BatchWriteItem)
    // share a batch instead of the first going alone.
    if (!this.pumpQueued) {
      this.pumpQueued = true;
      queueMicrotask(() => {
        this.pumpQueued = false;
        this.pump();
      });
    }
    return true;
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
      const batch = nextBatch(this.view(), Date.now());
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

  private scheduleWake(): void {
    if (this.stopped || this.idle()) return;
    const now = Date.now();
    const wake = nextWake(this.view(), now);
    if (wake === Infinity) return; // whatever is left waits for a running batch to finish
    this.timer = setTimeout(() => this.pump(), Math.max(1, wake - now));
  }

  private view(): LaneQueues {
    return {
      queues: this.queues,
      pending: this.pending,
      notBefore: this.notBefore,
      settings: this.settings,
      ready: (key, now) => this.ready(key, now),
    };
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
    const failed = this.settings.reportBatchItemFailures
      ? batchItemFailures(
          outcome.result,
          batch.map((entry) => entry.record),
        )
      : new Set<string>();
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
      this.done(batch);
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
    this.requeue(batch.filter((entry) => !exhausted.includes(entry)));
    if (exhausted.length > 0) {
      toDestination(this.consumer, this.options, exhausted, error);
      this.done(exhausted);
    }
  }

  /**
   * Per partition key: records before its first failed one are done; that one and the rest of
   * its key are retried. A failed record past retryAttempts goes to the on-failure destination
   * and its key goes on at once with the records after it (Lambda's bisect + on-failure does
   * the same per shard): one poison record never takes the rest of its key with it.
   */
  private failPartially(batch: Entry[], failed: Set<string>): void {
    const exhausted: Entry[] = [];
    const finished: Entry[] = [];
    const byKey = new Map<string, Entry[]>();
    batch.forEach((entry) => byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry]));
    for (const entries of byKey.values()) {
      const at = entries.findIndex((entry) =>
        failed.has(entry.record.dynamodb?.SequenceNumber ?? ''),
      );
      if (at === -1) {
        finished.push(...entries);
        continue;
      }
      finished.push(...entries.slice(0, at));
      const poison = entries[at]!;
      poison.attempts += 1;
      if (poison.attempts > this.settings.retryAttempts) {
        exhausted.push(poison);
        this.requeue(entries.slice(at + 1), { backoff: false });
      } else {
        this.requeue(entries.slice(at));
      }
    }
    if (exhausted.length > 0) {
      toDestination(this.consumer, this.options, exhausted, {
        errorType: 'BatchItemFailure',
        errorMessage: 'the function reported these records as failed on every attempt',
      });
    }
    this.done([...finished, ...exhausted]);
  }

  /** Back to the head of their keys' queues (with any newer records of those keys held in
   * bisect halves), in sequence order, after a backoff unless they did not fail themselves. */
  private requeue(entries: Entry[], { backoff = true } = {}): void {
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
      this.queues.set(key, [...mine, ...(this.queues.get(key) ?? [])].sort(bySeq));
      const attempts = Math.max(1, ...mine.map((entry) => entry.attempts));
      if (backoff) this.notBefore.set(key, Date.now() + Math.min(max, base * 2 ** (attempts - 1)));
      else this.notBefore.delete(key);
    }
  }

  /**
   * Records this consumer is done with. A key's checkpoint moves to the newest of them unless an
   * older record of that key is still waiting (then the next completion moves it).
   */
  private done(entries: Entry[]): void {
    const newest = new Map<string, bigint>();
    for (const entry of entries) {
      if (entry.seq > (newest.get(entry.key) ?? -1n)) newest.set(entry.key, entry.seq);
    }
    for (const [key, seq] of newest) {
      const waiting = [...(this.queues.get(key) ?? []), ...this.pending.flat()].some(
        (entry) => entry.key === key && entry.seq < seq,
      );
      if (waiting || seq <= (this.checkpoints.get(key) ?? -1n)) continue;
      this.checkpoints.set(key, seq);
      const sequenceNumber = entries.find((entry) => entry.seq === seq)!.record.dynamodb!
        .SequenceNumber!;
      this.options.onCheckpoint?.(this.consumer.functionName, key, sequenceNumber);
    }
  }
}
