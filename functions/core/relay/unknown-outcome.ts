import type { CommonEvent } from '../event';
import type { DeliveryTarget, OutboundAdapter, SentSearch } from '../outbound';
import { DEFAULT_RETRY_POLICY, isRetryable, retryDelayMs } from '../retry';
import { copyOf } from './attempt';
import { parkFailedDelivery } from './dead-letters';
import { nowOf, type RelayDeps, type Settle } from './deps';
import { relayMarker } from './outbound-message';
import type { DeliveryRecord } from './ports';
import {
  ATTEMPT_BUDGET_MS,
  describeForClients,
  fitsInvocation,
  RelayNotDueError,
  RelayOutOfTimeError,
  sleepOf,
} from './retries';
import { targetKey } from './targets';

/**
 * How far a provider's clock may run behind the relay's: a copy is looked for back to this
 * long before the intent of its send. Clocks on both sides are NTP-synchronized (well under a
 * second apart); the margin is generous yet keeps the listed window to a few pages.
 */
export const CLOCK_ALLOWANCE_MS = 10_000;

/**
 * A send whose call may still be on its way is not over before this long after its intent
 * (the longest one provider call may take): a copy found missing earlier may still land, so
 * it is looked for again once this has passed, before anything is sent.
 */
export const IN_FLIGHT_MS = ATTEMPT_BUDGET_MS;

/** How an unknown outcome ended, as counted (`DeliveriesUnknown`, dimension `result`). */
export type UnknownOutcomeResult = 'found' | 'not-found' | 'resent';

export interface UnknownSend {
  event: CommonEvent;
  bridgeId: string;
  adapter: OutboundAdapter;
  target: DeliveryTarget;
  /** When the intent of the send whose outcome is unknown was written (ISO). */
  since: string;
  /** Tries counted so far (the send in doubt included). */
  attempts: number;
  settle: Settle;
}

/**
 * Either the delivery is settled here (the copy was found, or looking for it failed for good),
 * or it is to be sent: `checked` when the target was seen without it, `blind` when it could
 * not be looked for (the send may duplicate).
 */
export type UnknownOutcome =
  { settled: DeliveryRecord } | { send: 'checked' | 'blind'; attempts: number };

/**
 * A send found announced but never settled (the relay stopped during the call): look for its
 * copy at the target before sending again, where the adapter can (`findSent`). Found: it is
 * recorded delivered with the copy's id, nothing is sent. Not there: it is sent. The look
 * failing is retried like a delivery (backoff, Retry-After, then the dead-letter queue), and
 * the record keeps the outcome unknown, so no later try sends blindly. Adapters that cannot
 * look, and edits and deletes (repeating them duplicates nothing), are sent again.
 *
 * Only a failed look counts as a try against the retry policy: a look that answers (even twice,
 * around the in-flight wait) leaves the send that may follow the tries a first send would have,
 * instead of parking it on its first transient failure.
 */
export async function resolveUnknownOutcome(
  unknown: UnknownSend,
  deps: RelayDeps,
): Promise<UnknownOutcome> {
  const { event, adapter, target, since } = unknown;
  if (event.type !== 'chat.message.created') {
    report(deps, unknown, 'resent', {
      reason: 'not a new message (an edit, a delete, a close): repeating it adds no copy',
    });
    return { send: 'blind', attempts: unknown.attempts };
  }
  if (!adapter.capabilities(target).findSent || !adapter.findSent) {
    report(deps, unknown, 'resent', { reason: 'the target cannot be searched for its copies' });
    return { send: 'blind', attempts: unknown.attempts };
  }
  const sentAt = Date.parse(since);
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  let attempts = unknown.attempts;
  for (;;) {
    // A look is a provider call: with no time left for one it is handed back, like a send.
    if (!fitsInvocation(deps, 0)) {
      throw new RelayOutOfTimeError(`no time left to look for ${event.id} at ${target.provider}`);
    }
    let search: SentSearch;
    try {
      search = await adapter.findSent!(target, relayMarker(event), sentAt - CLOCK_ALLOWANCE_MS);
    } catch (error) {
      attempts += 1;
      const shown = `could not look for an earlier copy: ${describeForClients(error)}`;
      const stillUnknown = { attempts, outcomeUnknownSince: since };
      if (!isRetryable(error) || attempts >= policy.attempts) {
        await parkFailedDelivery(deps, {
          event,
          target,
          bridgeId: unknown.bridgeId,
          attempts,
          error,
        });
        return { settled: await unknown.settle('failed', shown, stillUnknown) };
      }
      const delay = retryDelayMs(error, attempts - 1, policy);
      const notBefore = new Date(nowOf(deps) + delay).toISOString();
      await unknown.settle('retrying', `${shown}; retrying in ${delay} ms`, {
        ...stillUnknown,
        notBefore,
      });
      if (!fitsInvocation(deps, delay)) throw new RelayNotDueError(event.id, target, notBefore);
      await sleepOf(deps)(delay);
      continue;
    }
    if (search.result === 'found') {
      report(deps, unknown, 'found', { targetMessageId: search.messageId });
      const record = await unknown.settle(
        'delivered',
        'found at the target after an interrupted send; not sent again',
        {
          attempts,
          targetMessageId: search.messageId,
          copy: copyOf(event, target, search.messageId),
        },
      );
      return { settled: record };
    }
    if (search.result === 'out-of-reach') {
      report(deps, unknown, 'resent', { reason: search.reason });
      return { send: 'blind', attempts };
    }
    // Not there yet; but a call still on its way could land after this look. Once no call can
    // be, one more look settles it.
    const over = sentAt + IN_FLIGHT_MS;
    const wait = over - nowOf(deps);
    if (wait <= 0) {
      report(deps, unknown, 'not-found', {});
      return { send: 'checked', attempts };
    }
    if (!fitsInvocation(deps, wait)) {
      throw new RelayNotDueError(event.id, target, new Date(over).toISOString());
    }
    await sleepOf(deps)(wait);
  }
}

const MESSAGES: Record<UnknownOutcomeResult, string> = {
  found: 'delivery outcome unknown; found at the target, not sent again',
  'not-found': 'delivery outcome unknown; not at the target, sending it',
  resent: 'delivery outcome unknown; sending again',
};

/** Counted and logged, so each case can be checked at the target. */
function report(
  deps: RelayDeps,
  { event, target }: UnknownSend,
  result: UnknownOutcomeResult,
  fields: Record<string, unknown>,
): void {
  deps.metrics.count('DeliveriesUnknown', { provider: target.provider, result });
  deps.log.warn(MESSAGES[result], {
    eventId: event.id,
    target: targetKey(target),
    result,
    ...fields,
  });
}
