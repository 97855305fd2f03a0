import { appendFileSync } from 'node:fs';
import type { LocalLog } from '../tooling/log';
import type { FailedStreamBatch } from './stream-batch';

/**
 * The on-failure destination of the local stream consumers: failed batches are kept in memory
 * (for tests and inspection) and, with a data folder, appended to `stream-failures.jsonl`,
 * one batch per line with its records, so nothing a consumer gave up on is lost.
 */
export class StreamFailureDestination {
  readonly batches: FailedStreamBatch[] = [];

  constructor(
    private readonly file: string | undefined,
    private readonly log: LocalLog,
  ) {}

  accept(batch: FailedStreamBatch): void {
    this.batches.push(batch);
    if (!this.file) return;
    try {
      appendFileSync(this.file, `${JSON.stringify(batch)}\n`, { mode: 0o600 });
    } catch (error) {
      this.log.error(
        'stream',
        `could not append to ${this.file}; the batch is kept in memory only`,
        {
          error,
        },
      );
    }
  }
}
