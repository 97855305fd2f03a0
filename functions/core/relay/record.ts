import { sleep } from '../concurrency';
import type { CommonEvent } from '../event';
import type { DeliveryTarget } from '../outbound';
import { nowOf, type Outcome, type RelayDeps } from './deps';
import type { DeliveryRecord, DeliveryStatus } from './ports';
import { targetKey } from './targets';
import { deliveryAudience } from './web-fanout';

/** The `detail` clients see for a provider the operator has not configured. */
export const notConfiguredDetail = (provider: string) =>
  `${provider} is not configured on this bridge`;

/** Writes of relay state are retried this many times, with backoff, before they give up. */
const STATE_WRITE_TRIES = 4;
const STATE_WRITE_BACKOFF_MS = 100;

/**
 * A state write retried on its own, with backoff: after a provider accepted a send, only the
 * record of it may be tried again, never the send.
 */
export async function writeDurably(deps: RelayDeps, write: () => Promise<void>): Promise<void> {
  const pause = deps.sleep ?? sleep;
  for (let tries = 1; ; tries += 1) {
    try {
      return await write();
    } catch (error) {
      if (tries >= STATE_WRITE_TRIES) throw error;
      deps.log.warn('relay state write failed; writing it again', { tries, error });
      await pause(STATE_WRITE_BACKOFF_MS * 2 ** (tries - 1));
    }
  }
}

/**
 * Write a delivery's outcome (with a new copy's id map), count it, log it, and push it as a
 * `delivery` frame to the clients that want it (the sender's, and those that asked for every
 * delivery): in a batch, queued behind the event's own push (DeliveryFrames); a frame that
 * cannot be pushed is only logged.
 */
export async function recordDelivery(
  deps: RelayDeps,
  bridgeId: string,
  event: CommonEvent,
  target: DeliveryTarget,
  outcome: Partial<Outcome> & { status: DeliveryStatus },
): Promise<DeliveryRecord> {
  const status = outcome.status;
  const record: DeliveryRecord = {
    eventId: event.id,
    target: targetKey(target),
    status,
    attempts: outcome.attempts ?? 0,
    ...(outcome.detail && { detail: outcome.detail }),
    ...(outcome.targetMessageId && { targetMessageId: outcome.targetMessageId }),
    ...(outcome.notBefore && { notBefore: outcome.notBefore }),
    ...(outcome.outcomeUnknownSince && { outcomeUnknownSince: outcome.outcomeUnknownSince }),
    ...(outcome.mayDuplicate && { mayDuplicate: true }),
    updatedAt: new Date(nowOf(deps)).toISOString(),
  };
  await writeDurably(deps, () => deps.state.putDelivery(record, outcome.copy));
  deps.metrics.count('Deliveries', { provider: target.provider, status });
  deps.log.info('delivery', {
    eventId: event.id,
    target: record.target,
    status,
    detail: record.detail,
    ...(outcome.reason !== undefined && { reason: outcome.reason }),
  });
  const frame = {
    type: 'delivery' as const,
    eventId: event.id,
    target: target.provider,
    channel: target.channel,
    status,
    ...(record.detail && { detail: record.detail }),
    ...(record.mayDuplicate && { mayDuplicate: true as const }),
  };
  if (deps.deliveryFrames) deps.deliveryFrames.post(bridgeId, frame, deliveryAudience(event));
  else
    await deps.broadcaster
      .broadcast(bridgeId, frame, deliveryAudience(event))
      .catch((error: unknown) =>
        deps.log.warn('delivery frame not pushed', { eventId: event.id, error }),
      );
  return record;
}
