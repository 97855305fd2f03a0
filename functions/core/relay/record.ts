import type { CommonEvent } from '../event';
import type { DeliveryTarget } from '../outbound';
import { nowOf, type Outcome, type RelayDeps } from './deps';
import type { DeliveryRecord, DeliveryStatus } from './ports';
import { targetKey } from './targets';

/**
 * Write a delivery's outcome (with a new copy's id map), count it, log it, and push it to the
 * bridge's clients as a `delivery` frame; a frame that cannot be pushed is only logged.
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
  });
  await deps.broadcaster
    .broadcast(bridgeId, {
      type: 'delivery',
      eventId: event.id,
      target: target.provider,
      channel: target.channel,
      status: record.status,
      ...(record.detail && { detail: record.detail }),
    })
    .catch((error: unknown) =>
      deps.log.warn('delivery frame not pushed', { eventId: event.id, error }),
    );
  return record;
}
