import type { CommonEvent } from '../event';
import type { DeliveryTarget } from '../outbound';
import { nowOf, type RelayDeps } from './deps';
import { targetKey } from './targets';
import { causeSummary } from '../error-cause';

/**
 * Park a delivery that will not succeed by retrying, whole, so `npm run dlq -- replay` can
 * resend it; operators get the full error in the log and the letter.
 */
export async function parkFailedDelivery(
  deps: RelayDeps,
  failure: {
    event: CommonEvent;
    target: DeliveryTarget;
    bridgeId: string;
    attempts: number;
    error: unknown;
  },
): Promise<void> {
  const { event, target, bridgeId, attempts } = failure;
  const full = describeForOperators(failure.error);
  deps.log.warn('delivery failed; parked in the dead-letter queue', {
    eventId: event.id,
    target: targetKey(target),
    attempts,
    detail: full,
  });
  await deps.deadLetters.park({
    event,
    target,
    bridgeId,
    attempts,
    error: full,
    failedAt: new Date(nowOf(deps)).toISOString(),
  });
  deps.metrics.count('DeliveriesFailed', { provider: target.provider });
}

/** What operators see in the logs and the dead-letter letter: every error's own text. */
function describeForOperators(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { providerStatus?: number }).providerStatus;
    const cause = causeSummary(error);
    const base = status ? `${error.message} (HTTP ${status})` : `${error.name}: ${error.message}`;
    return cause ? `${base}; cause: ${cause}` : base;
  }
  return String(error);
}
