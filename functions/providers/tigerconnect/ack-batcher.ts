import type { PollerRuntime } from '../../core/provider-module';
import type { TigerConnectClient } from './client';
import type { TigerConnectPollOutcome } from './poller';

/**
 * Event ids waiting for `POST /v2/events/ack`. A failed ack is logged, not retried: those
 * events replay on the next poll and their stores are no-ops, so nothing is lost or doubled.
 */
export class AckBatcher {
  private pending: string[] = [];

  constructor(
    private readonly client: TigerConnectClient,
    private readonly outcome: TigerConnectPollOutcome,
    private readonly log: PollerRuntime['log'],
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(eventId: string): void {
    this.pending.push(eventId);
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const ids = this.pending;
    this.pending = [];
    try {
      await this.client.ackEvents(ids);
      this.outcome.acked += ids.length;
    } catch (error) {
      this.log.warn('tigerconnect ack failed; those events replay and store as duplicates', {
        count: ids.length,
        error,
      });
    }
  }
}
