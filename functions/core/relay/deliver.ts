import type { DeliveryTarget } from '../outbound';
import { attemptDelivery } from './attempt';
import { nowOf, type RelayDeps, type RelayInput, type Settle } from './deps';
import { deliveryKey, SENDING, type DeliveryRecord, type KnownDeliveries } from './ports';
import { recordDelivery } from './record';
import { fitsInvocation, RelayNotDueError, sleepOf, withRetries } from './retries';
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
  const settle: Settle = (status, detail, extra = {}) =>
    recordDelivery(deps, bridgeId, event, target, { status, detail, ...extra });
  if (done?.status === SENDING && !options.replay) {
    // A provider call whose outcome was never recorded: the relay stopped during it, or every
    // write of its outcome failed. Calling again could post the message twice, and the
    // providers have no idempotency key to ask with, so it is taken as delivered (at most
    // once), said so in the record, and counted for operators.
    deps.metrics.count('DeliveriesUnknown', { provider: target.provider });
    deps.log.warn('delivery outcome unknown; not sent again', { eventId: event.id, target: key });
    return settle('delivered', 'outcome of the last provider call unknown; not sent again', {
      attempts: done.attempts,
    });
  }
  // A stream retry re-reads the batch: what was settled before is not delivered again.
  // A replay from the dead-letter queue retries exactly what failed, and nothing that did not.
  const settled =
    done &&
    done.status !== 'retrying' &&
    !(options.replay && (done.status === 'failed' || done.status === SENDING));
  if (settled) return done;

  const adapter = deps.adapters[target.provider];
  if (!adapter) return settle('skipped', `${target.provider} has no outbound delivery`);
  const unavailable = adapter.unavailableReason();
  if (unavailable) return settle('skipped', unavailable);
  if (!event.data.message)
    return settle('skipped', `${event.type} is not relayed to providers, only messages are`);

  // Attempts made by earlier invocations count: the limit holds across stream retries.
  const retrying = done?.status === 'retrying' ? done : undefined;
  // The provider's Retry-After holds across invocations: before it ends, no call is made
  // (and no attempt counted); a rest that fits here is waited out, a longer one handed back.
  const wait = retrying?.notBefore ? Date.parse(retrying.notBefore) - nowOf(deps) : 0;
  if (wait > 0 && !options.replay) {
    if (!fitsInvocation(deps, wait))
      throw new RelayNotDueError(event.id, target, retrying!.notBefore!);
    await sleepOf(deps)(wait);
  }
  return withRetries(
    () => attemptDelivery(event, bridge, adapter, target, deps),
    { event, target, bridgeId },
    deps,
    settle,
    retrying?.attempts ?? 0,
  );
}
