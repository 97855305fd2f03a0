import type { DynamoDBRecord } from 'aws-lambda';
import type { InvokeOutcome } from '../lambda/function-host';
import type { LocalLog } from '../tooling/log';
import type { FailedStreamBatch } from './stream-batch';
import type { FilterPattern } from './stream-filter';
import { ConsumerLane } from './stream-lane';
import type { LoggedRecord } from './stream-log';
import type { StreamedTable } from './stream-proxy';

export type { FailedStreamBatch } from './stream-batch';

/** The event source mapping settings the poller honours (RELAY_STREAM_SETTINGS' shape). */
export interface StreamSettings {
  batchSize: number;
  /** 0: a record goes to the consumer as soon as it is written (what is waiting is batched). */
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

export interface StreamPollerOptions {
  consumers: PolledConsumer[];
  invoke: (functionName: string, event: unknown) => Promise<InvokeOutcome>;
  log: LocalLog;
  onFailure: (batch: FailedStreamBatch) => void;
  /**
   * A consumer is done with every record of `key` up to `sequenceNumber` (delivered, or taken
   * by the on-failure destination): where it resumes after a restart.
   */
  onCheckpoint?: (functionName: string, key: string, sequenceNumber: string) => void;
  region: string;
  /** First retry delay; doubles per attempt up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/**
 * Lambda's stream poller for each STREAM_CONSUMERS function: filter, batch (size and
 * window), invoke, and on failure retry — from the first failed record of each partition key
 * (reportBatchItemFailures), splitting the batch on a thrown error (bisect) — up to
 * retryAttempts, then hand the failed record to the on-failure destination and go on with the
 * rest of its key. Records of one partition key are delivered in order; a failing key waits in
 * backoff without holding the others.
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

  /**
   * Start from a persisted stream (TRIM_HORIZON): each consumer gets the records past its
   * checkpoint of their partition key, in stream order. Answers how many were queued.
   */
  resume(
    records: readonly LoggedRecord[],
    checkpoints: (functionName: string) => ReadonlyMap<string, string>,
  ): number {
    let queued = 0;
    for (const lane of this.lanes) {
      lane.restore(checkpoints(lane.consumer.functionName));
      for (const { table, record } of records) {
        if (table === lane.consumer.table.definition.logicalName && lane.publish(record)) {
          queued += 1;
        }
      }
    }
    return queued;
  }

  /** Whether some consumer of its table has still to process this record. */
  needs({ table, record }: LoggedRecord): boolean {
    return (this.byTable.get(table) ?? []).some((lane) => lane.needs(record));
  }

  /** The partition key the consumers of this table order and checkpoint by. */
  partitionOf({ table, record }: LoggedRecord): string {
    return this.byTable.get(table)?.[0]?.keyOf(record) ?? '';
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
