import { relayEventTo } from './deliver';
import type { RelayDeps } from './deps';
import type { DeadLetter, DeliveryRecord } from './ports';

/**
 * Re-deliver one parked delivery to its target. A delivery that fails again is parked again
 * (with its new error), so replaying never loses a letter.
 */
export async function replayDeadLetter(
  letter: DeadLetter,
  deps: RelayDeps,
): Promise<DeliveryRecord> {
  return relayEventTo({ event: letter.event, echo: false }, letter.target, deps, { replay: true });
}
