import type { CommonEvent } from '../event';
import type { DeliveryTarget } from '../outbound';
import { nowOf, type Outcome, type RelayDeps } from './deps';
import type { DeliveryRecord, DeliveryStatus } from './ports';
import { targetKey } from './targets';
import { deliveryAudience } from './web-fanout';

/** The `detail` clients see for a provider the operator has not configured. */
export const notConfiguredDetail = (provider: string) =>
  `${provider} is not configured on this bridge`;

/**
 * Write a delivery's outcome (with a new copy's id map), count it, log it, and push it as a
 * `delivery` frame to the clients that want it (the sender's, and those that asked for every
 * delivery); a frame that cannot be pushed is only logged.
 */
export async function recordDelivery(
  deps: RelayDeps,
  bridgeId: string,
  event: CommonEvent,
  target: DeliveryTarget,
  outcome: Partial<Outcome> & { status: DeliveryStatus },
): Promise<DeliveryRecord> {
  const record: DeliveryRecord = {
    eventId: event.id,
    target: targetKey(target),
    status: outcome.status,
    attempts: outcome.attempts ?? 0,
    ...(outcome.detail && { detail: outcome.detail }),
    ...(outcome.targetMessageId && { targetMessageId: outcome.targetMessageId }),
    updatedAt: new Date(nowOf(deps)).toISOString(),
  };
  await deps.state.putDelivery(record, outcome.copy);
  deps.metrics.count('Deliveries', { provider: target.provider, status: record.status });
  deps.log.info('delivery', {
    eventId: event.id,
    target: record.target,
    status: record.status,
    detail: record.detail,
    ...(outcome.reason !== undefined && { reason: outcome.reason }),
  });
  await deps.broadcaster
    .broadcast(
      bridgeId,
      {
        type: 'delivery',
        eventId: event.id,
        target: target.provider,
        channel: target.channel,
        status: record.status,
        ...(record.detail && { detail: record.detail }),
      },
      deliveryAudience(event),
    )
    .catch((error: unknown) =>
      deps.log.warn('delivery frame not pushed', { eventId: event.id, error }),
    );
  return record;
}
