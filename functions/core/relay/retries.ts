import { sleep } from '../concurrency';
import type { CommonEvent } from '../event';
import { publicView } from '../errors';
import type { DeliveryTarget } from '../outbound';
import { DEFAULT_RETRY_POLICY, isRetryable, retryDelayMs } from '../retry';
import { parkFailedDelivery } from './dead-letters';
import { nowOf, type Outcome, type RelayDeps, type Settle } from './deps';
import { deliveryKey, SENDING, type DeliveryRecord } from './ports';
import { writeDurably } from './record';
import { targetKey } from './targets';

/**
 * Thrown when the invocation has no time left for another attempt or wait: the record is
 * handed back to the stream (a batch item failure), which retries it in order with a fresh
 * time budget, instead of parking it and letting later messages overtake it.
 */
export class RelayOutOfTimeError extends Error {
  override readonly name = 'RelayOutOfTimeError';
}

/** The longest one provider call may take (adapters time out at 5-10 s). */
export const ATTEMPT_BUDGET_MS = 15_000;

export const sleepOf = (deps: RelayDeps) => deps.sleep ?? sleep;

/** Whether `ms` more (and one attempt after it) ends before the invocation's deadline. */
export const fitsInvocation = (deps: RelayDeps, ms: number) =>
  deps.deadline === undefined || nowOf(deps) + ms + ATTEMPT_BUDGET_MS <= deps.deadline;

/**
 * Run attempts until one settles, the error is not retryable or the policy's attempts are
 * spent (then the delivery is parked). Attempts made by earlier invocations count; each
 * attempt is announced by a `sending` record first, so an outcome that was never recorded
 * is known to be unknown rather than mistaken for "never sent".
 */
export async function withRetries(
  attempt: () => Promise<Outcome>,
  delivery: {
    event: CommonEvent;
    target: DeliveryTarget;
    bridgeId: string;
    /** Already sent again without a look: the intent keeps the flag, should this call be cut off. */
    mayDuplicate?: boolean;
  },
  deps: RelayDeps,
  settle: Settle,
  previousAttempts: number,
  step: LaneStep = {},
): Promise<DeliveryRecord> {
  const { event, target, bridgeId } = delivery;
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  for (let attempts = previousAttempts + 1; ; attempts += 1) {
    if (!fitsInvocation(deps, 0)) {
      throw new RelayOutOfTimeError(`no time left to deliver ${event.id} to ${target.provider}`);
    }
    const intent: DeliveryRecord = {
      eventId: event.id,
      target: targetKey(target),
      status: SENDING,
      attempts,
      ...(delivery.mayDuplicate && { mayDuplicate: true }),
      updatedAt: new Date(nowOf(deps)).toISOString(),
    };
    // Nothing is sent unless the intent is stored: a failing store hands the record back.
    // It is written while the lane's previous outcome is, and the call waits for both.
    await Promise.all([writeDurably(deps, () => deps.state.putDelivery(intent)), step.before]);
    let outcome: Outcome;
    try {
      outcome = await attempt();
    } catch (error) {
      const shown = describeForClients(error);
      if (!isRetryable(error) || attempts >= policy.attempts) {
        step.callOver?.();
        await parkFailedDelivery(deps, { event, target, bridgeId, attempts, error });
        return settle('failed', shown, { attempts });
      }
      // Never sooner than the provider's Retry-After: the wait is stored, so an invocation
      // that cannot hold it hands the record back and the next one keeps to it.
      const delay = retryDelayMs(error, attempts - 1, policy);
      const notBefore = new Date(nowOf(deps) + delay).toISOString();
      await settle('retrying', `${shown}; retrying in ${delay} ms`, { attempts, notBefore });
      if (!fitsInvocation(deps, delay)) throw new RelayNotDueError(event.id, target, notBefore);
      await sleepOf(deps)(delay);
      continue;
    }
    // The provider accepted it: from here only the record is written again, never the call.
    step.callOver?.();
    try {
      return await settle(outcome.status, outcome.detail, { ...outcome, attempts });
    } catch (error) {
      remember(deps, deliveryKey(event.id, targetKey(target)), { ...outcome, attempts });
      throw error;
    }
  }
}

/** Kept for the stream's retry; bounded, the oldest forgotten first. */
function remember(deps: RelayDeps, key: string, outcome: Outcome & { attempts: number }) {
  if (!deps.unrecorded) return;
  deps.unrecorded.set(key, outcome);
  if (deps.unrecorded.size > 1000) deps.unrecorded.delete(deps.unrecorded.keys().next().value!);
}

/**
 * How a delivery fits in its lane, so the next record's state write overlaps this one's:
 * `before` must settle before the provider is called (the previous record's outcome is
 * durable) and `callOver` is called once no more provider calls will be made for it.
 */
export interface LaneStep {
  before?: Promise<unknown>;
  callOver?: () => void;
}

/** A delivery waiting out a provider's Retry-After beyond this invocation: the stream keeps it. */
export class RelayNotDueError extends Error {
  override readonly name = 'RelayNotDueError';
  constructor(
    eventId: string,
    target: DeliveryTarget,
    readonly notBefore: string,
  ) {
    super(`${eventId} to ${target.provider}: not due before ${notBefore}`);
  }
}

/** A delivery `detail` formats what subscribers may see: a provider's own refusal only. */
export function describeForClients(error: unknown): string {
  const view = publicView(error, 'internal error; see the relay logs');
  return view.providerStatus ? `${view.message} (HTTP ${view.providerStatus})` : view.message;
}
