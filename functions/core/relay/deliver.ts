import type { DeliveryTarget } from '../outbound';
import { attemptDelivery } from './attempt';
import type { RelayDeps, RelayInput, Settle } from './deps';
import { deliveryKey, type DeliveryRecord, type KnownDeliveries } from './ports';
import { notConfiguredDetail, recordDelivery } from './record';
import { withRetries } from './retries';
import { targetKey } from './targets';

/**
 * Deliver one stored event to one target channel, with retries, and record the outcome
 * (pushed to the bridge's clients as a `delivery` frame). Idempotent: a settled delivery is
 * returned as it is, so stream retries never deliver twice.
 */
export async function relayEventTo(
  input: RelayInput,
  target: DeliveryTarget,
  deps: RelayDeps,
  options: { replay?: boolean; known?: KnownDeliveries } = {},
): Promise<DeliveryRecord> {
  const { event } = input;
  const bridge = deps.bridges.get(event.subject);
  const bridgeId = bridge?.id ?? event.subject;
  const key = targetKey(target);
  // A batch reads its delivery records up front in one request; alone, one is read here.
  const done = options.known
    ? options.known.get(deliveryKey(event.id, key))
    : await deps.state.getDelivery(event.id, key);
  // A stream retry re-reads the batch: what was settled before is not delivered again.
  // A replay from the dead-letter queue retries exactly what failed, and nothing that did not.
  const settled =
    done && done.status !== 'retrying' && !(options.replay && done.status === 'failed');
  if (settled) return done;
  const settle: Settle = (status, detail, extra = {}) =>
    recordDelivery(deps, bridgeId, event, target, { status, detail, ...extra });

  const adapter = deps.adapters[target.provider];
  if (!adapter) return settle('skipped', `${target.provider} has no outbound delivery`);
  const unavailable = adapter.unavailableReason();
  // Clients learn only that it is not set up; which variables are missing goes to the log.
  if (unavailable)
    return settle('skipped', notConfiguredDetail(target.provider), { reason: unavailable });
  if (!event.data.message)
    return settle('skipped', `${event.type} is not relayed to providers, only messages are`);

  // Attempts made by earlier invocations count: the limit holds across stream retries.
  const previousAttempts = done?.status === 'retrying' ? done.attempts : 0;
  return withRetries(
    () => attemptDelivery(event, bridge, adapter, target, deps),
    { event, target, bridgeId },
    deps,
    settle,
    previousAttempts,
  );
}
