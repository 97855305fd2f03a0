import type { CommonEvent } from '../event';
import { publicView } from '../errors';
import type { DeliveryTarget } from '../outbound';
import { DEFAULT_RETRY_POLICY, isRetryable, retryDelayMs } from '../retry';
import { parkFailedDelivery } from './dead-letters';
import type { Outcome, RelayDeps, Settle } from './deps';
import type { DeliveryRecord } from './ports';

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

/**
 * Run attempts until one settles, the error is not retryable or the policy's attempts are
 * spent (then the delivery is parked). Attempts made by earlier invocations count.
 */
export async function withRetries(
  attempt: () => Promise<Outcome>,
  delivery: { event: CommonEvent; target: DeliveryTarget; bridgeId: string },
  deps: RelayDeps,
  settle: Settle,
  previousAttempts: number,
): Promise<DeliveryRecord> {
  const { event, target } = delivery;
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const fits = (ms: number) => deps.deadline === undefined || now() + ms <= deps.deadline;
  for (let attempts = previousAttempts + 1; ; attempts += 1) {
    if (!fits(ATTEMPT_BUDGET_MS)) {
      throw new RelayOutOfTimeError(`no time left to deliver ${event.id} to ${target.provider}`);
    }
    try {
      const outcome = await attempt();
      return await settle(outcome.status, outcome.detail, { ...outcome, attempts });
    } catch (error) {
      if (error instanceof RelayOutOfTimeError) throw error;
      const shown = describeForClients(error);
      if (!isRetryable(error) || attempts >= policy.attempts) {
        await parkFailedDelivery(deps, { ...delivery, attempts, error });
        return settle('failed', shown, { attempts });
      }
      // Never sooner than the provider's Retry-After; if that wait does not fit in this
      // invocation, the stream brings the record back later.
      const delay = retryDelayMs(error, attempts - 1, policy);
      await settle('retrying', `${shown}; retrying in ${delay} ms`, { attempts });
      if (!fits(delay + ATTEMPT_BUDGET_MS)) {
        throw new RelayOutOfTimeError(
          `${event.id} to ${target.provider}: Retry-After exceeds this invocation`,
        );
      }
      await sleep(delay);
    }
  }
}

/** A delivery `detail` formats what subscribers may see: a provider's own refusal only. */
function describeForClients(error: unknown): string {
  const view = publicView(error, 'internal error; see the relay logs');
  return view.providerStatus ? `${view.message} (HTTP ${view.providerStatus})` : view.message;
}
