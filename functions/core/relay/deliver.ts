import type { DeliveryTarget } from '../outbound';
import { attemptDelivery } from './attempt';
import { closesCreatedChannel } from './portal-channels';
import { nowOf, type RelayDeps, type RelayInput, type Settle } from './deps';
import {
  deliveryKey,
  outcomeUnknownSince,
  SENDING,
  type DeliveryRecord,
  type KnownDeliveries,
} from './ports';
import { notConfiguredDetail, recordDelivery } from './record';
import { fitsInvocation, RelayNotDueError, sleepOf, withRetries, type LaneStep } from './retries';
import { targetKey } from './targets';
import { resolveUnknownOutcome } from './unknown-outcome';

/** What a delivery's detail adds when the target may show the message twice. */
const MAY_DUPLICATE = 'sent again after an interrupted send: may duplicate';

const joinDetail = (detail: string | undefined, more: string) =>
  detail ? `${detail}; ${more}` : more;

/**
 * Deliver one stored event to one target channel, with retries, and record the outcome
 * (pushed to the bridge's clients as a `delivery` frame). Idempotent: a settled delivery is
 * returned as it is, so stream retries never deliver twice.
 */
export async function relayEventTo(
  input: RelayInput,
  target: DeliveryTarget,
  deps: RelayDeps,
  options: { replay?: boolean; known?: KnownDeliveries; step?: LaneStep } = {},
): Promise<DeliveryRecord> {
  const { event } = input;
  // A bridge closed since this event was stored still relays it (the closing event too).
  const bridge = deps.bridges.ofEvent(event.subject);
  const bridgeId = bridge?.id ?? event.subject;
  const key = targetKey(target);
  // A batch reads its delivery records up front in one request; alone, one is read here.
  const done = options.known
    ? options.known.get(deliveryKey(event.id, key))
    : await deps.state.getDelivery(event.id, key);
  // A send made again without a look at the target is flagged (record and frame) until the
  // delivery settles, so a client knows the target may show the message twice. Its `sending`
  // intent keeps the flag too: a copy found after that call is cut off may not be the only one.
  let mayDuplicate = done?.mayDuplicate === true;
  const settle: Settle = (status, detail, extra = {}) =>
    recordDelivery(deps, bridgeId, event, target, {
      ...extra,
      status,
      detail: mayDuplicate && status === 'delivered' ? joinDetail(detail, MAY_DUPLICATE) : detail,
      ...(mayDuplicate && { mayDuplicate }),
    });
  // A send the provider accepted whose record could not be written: record it, do not resend.
  const accepted = deps.unrecorded?.get(deliveryKey(event.id, key));
  if (accepted && (!done || done.status === SENDING || done.status === 'retrying')) {
    const record = await settle(accepted.status, accepted.detail, accepted);
    deps.unrecorded!.delete(deliveryKey(event.id, key));
    return record;
  }
  // A stream retry re-reads the batch: what was settled before is not delivered again.
  // A replay from the dead-letter queue retries exactly what failed, and nothing that did not.
  const settled =
    done &&
    done.status !== 'retrying' &&
    done.status !== SENDING &&
    !(options.replay && done.status === 'failed');
  if (settled) return done;

  const adapter = deps.adapters[target.provider];
  if (!adapter) return settle('skipped', `${target.provider} has no outbound delivery`);
  const unavailable = adapter.unavailableReason();
  // Clients learn only that it is not set up; which variables are missing goes to the log.
  if (unavailable)
    return settle('skipped', notConfiguredDetail(target.provider), { reason: unavailable });
  if (!event.data.message && !closesCreatedChannel(event, target, deps))
    return settle('skipped', `${event.type} is not relayed to providers, only messages are`);

  // Attempts made by earlier invocations count: the limit holds across stream retries.
  const retrying = done?.status === 'retrying' || done?.status === SENDING ? done : undefined;
  // The provider's Retry-After holds across invocations: before it ends, no call is made
  // (and no attempt counted); a rest that fits here is waited out, a longer one handed back.
  const wait = retrying?.notBefore ? Date.parse(retrying.notBefore) - nowOf(deps) : 0;
  if (wait > 0 && !options.replay) {
    if (!fitsInvocation(deps, wait))
      throw new RelayNotDueError(event.id, target, retrying!.notBefore!);
    await sleepOf(deps)(wait);
  }
  let attempts = retrying?.attempts ?? 0;
  // A provider call whose outcome is unknown: the relay stopped during it, or every write of
  // its outcome failed in a container that is gone (or looking for its copy failed before).
  const unknownSince = outcomeUnknownSince(done);
  if (unknownSince !== undefined) {
    const unknown = await resolveUnknownOutcome(
      { event, bridgeId, adapter, target, since: unknownSince, attempts, settle },
      deps,
    );
    if ('settled' in unknown) return unknown.settled;
    attempts = unknown.attempts;
    mayDuplicate ||= unknown.send === 'blind' && event.type === 'chat.message.created';
  }
  return withRetries(
    () => attemptDelivery(event, bridge, adapter, target, deps),
    { event, target, bridgeId, mayDuplicate },
    deps,
    settle,
    attempts,
    options.step,
  );
}
