import type { CommonEvent } from '../event';
import type { DeliveryTarget } from '../outbound';
import { nowOf, type RelayDeps } from './deps';
import { outcomeUnknownSince } from './ports';
import { recordDelivery } from './record';
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
    notBefore?: string;
  },
): Promise<void> {
  const { event, target, bridgeId, attempts, notBefore } = failure;
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
    ...(notBefore && { notBefore }),
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

/**
 * Park a delivery the stream is about to give up on, whole, with the provider's wait if it
 * had one, and record it as failed (best effort: the state may be what is failing). Throws
 * only when the letter itself could not be parked, so the record is handed back once more.
 */
export async function parkBeforeStreamGivesUp(
  deps: RelayDeps,
  failure: { event: CommonEvent; target: DeliveryTarget; bridgeId: string; error: unknown },
): Promise<void> {
  const { event, target } = failure;
  const current = await deps.state.getDelivery(event.id, targetKey(target)).catch(() => undefined);
  const notBefore = current?.status === 'retrying' ? current.notBefore : undefined;
  // A send still in doubt stays so: a replay looks for its copy before sending.
  const unknownSince = outcomeUnknownSince(current);
  await parkFailedDelivery(deps, {
    ...failure,
    attempts: current?.attempts ?? 0,
    ...(notBefore && { notBefore }),
  });
  await recordDelivery(deps, failure.bridgeId, event, target, {
    status: 'failed',
    detail: 'parked in the dead-letter queue before the stream would give up on it',
    attempts: current?.attempts ?? 0,
    ...(unknownSince && { outcomeUnknownSince: unknownSince }),
    ...(current?.mayDuplicate && { mayDuplicate: true }),
  }).catch((error: unknown) =>
    deps.log.warn('parked delivery not recorded as failed', { eventId: event.id, error }),
  );
}
