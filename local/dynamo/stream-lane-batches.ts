import type { DynamoDBRecord } from 'aws-lambda';
import { failedBatch, type FailedStreamBatch } from './stream-batch';
import type { PolledConsumer, StreamPollerOptions, StreamSettings } from './stream-poller';

export interface Entry {
  record: DynamoDBRecord;
  key: string;
  seq: bigint;
  /** Failed invocations this record was part of (bisecting does not count). */
  attempts: number;
  arrivedAt: number;
}

export const bySeq = (a: Entry, b: Entry) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0);

/** A lane's waiting records, as batch selection sees them. */
export interface LaneQueues {
  queues: Map<string, Entry[]>;
  /** Halves of a bisected batch, oldest first. */
  pending: Entry[][];
  notBefore: Map<string, number>;
  settings: StreamSettings;
  /** Not in flight and past its backoff. */
  ready(key: string, now: number): boolean;
}

/** The next batch due, taken out of the lane's queues: bisect halves first, then new records. */
export function nextBatch(lane: LaneQueues, now: number): Entry[] | undefined {
  const blocked = new Set<string>();
  for (let i = 0; i < lane.pending.length; i += 1) {
    const batch = lane.pending[i]!;
    const keys = new Set(batch.map((entry) => entry.key));
    if ([...keys].every((key) => lane.ready(key, now) && !blocked.has(key))) {
      lane.pending.splice(i, 1);
      return batch;
    }
    keys.forEach((key) => blocked.add(key));
  }
  const candidates: Entry[] = [];
  let oldest = Infinity;
  for (const [key, queue] of lane.queues) {
    if (queue.length === 0 || blocked.has(key) || !lane.ready(key, now)) continue;
    // A key's records are in order: a batch takes a prefix of each queue.
    candidates.push(...queue.slice(0, lane.settings.batchSize));
    oldest = Math.min(oldest, queue[0]!.arrivedAt);
  }
  if (candidates.length === 0) return undefined;
  candidates.sort(bySeq);
  const windowEnds = oldest + lane.settings.maxBatchingWindowSeconds * 1000;
  if (candidates.length < lane.settings.batchSize && windowEnds > now) return undefined;
  const batch = candidates.slice(0, lane.settings.batchSize);
  const taken = new Map<string, number>();
  batch.forEach((entry) => taken.set(entry.key, (taken.get(entry.key) ?? 0) + 1));
  for (const [key, count] of taken) {
    const queue = lane.queues.get(key)!;
    queue.splice(0, count);
    if (queue.length === 0) lane.queues.delete(key);
  }
  return batch;
}

/** When a batch next becomes due (a backoff ending or a batching window closing), if ever. */
export function nextWake(lane: LaneQueues, now: number): number {
  let wake = Infinity;
  const consider = (key: string) => {
    const until = lane.notBefore.get(key) ?? 0;
    if (until > now) wake = Math.min(wake, until);
  };
  for (const batch of lane.pending) batch.forEach((entry) => consider(entry.key));
  let oldestReady = Infinity;
  for (const [key, queue] of lane.queues) {
    consider(key);
    if (queue.length > 0 && lane.ready(key, now)) {
      oldestReady = Math.min(oldestReady, queue[0]!.arrivedAt);
    }
  }
  if (oldestReady !== Infinity) {
    wake = Math.min(wake, oldestReady + lane.settings.maxBatchingWindowSeconds * 1000);
  }
  return wake;
}

/** Records past their retries: logged and handed to the on-failure destination. */
export function toDestination(
  consumer: PolledConsumer,
  options: StreamPollerOptions,
  entries: Entry[],
  error: FailedStreamBatch['error'],
): void {
  const { functionName, table } = consumer;
  options.log.error(
    'stream',
    `${functionName}: ${entries.length} record(s) failed past ${consumer.settings.retryAttempts} retries; sent to the on-failure destination`,
    {
      sequenceNumbers: entries.map((entry) => entry.record.dynamodb?.SequenceNumber),
      error: error.errorMessage,
    },
  );
  options.onFailure(
    failedBatch({
      functionName,
      region: options.region,
      streamArn: table.streamArn,
      entries,
      error,
    }),
  );
}
