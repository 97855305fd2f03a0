import { nowOf, type RelayDeps } from './deps';
import type { BatchRecord } from './lanes';
import { deliveryKey, type KnownDeliveries } from './ports';

/**
 * The pseudo-target under which the relay counts how often it handed a record back to the
 * stream. The stream retries a record `retryAttempts` times, then gives up on it and keeps
 * only a pointer (AWS: `StreamFailures`), which cannot be replayed and expires with the
 * stream. Counting lets the relay park the record whole in the dead-letter queue first.
 */
export const HAND_BACKS_TARGET = 'stream#hand-backs';

export const handBacksOf = (record: BatchRecord, known: KnownDeliveries) =>
  known.get(deliveryKey(record.input.event.id, HAND_BACKS_TARGET))?.attempts ?? 0;

/**
 * True once the stream has at most one retry of this record left: the relay parks what it
 * cannot settle now instead of handing it back (one retry is kept in reserve, since a count
 * that could not be written undercounts).
 */
export function isLastChance(record: BatchRecord, known: KnownDeliveries, deps: RelayDeps) {
  const limit = deps.streamRetryAttempts;
  return limit !== undefined && handBacksOf(record, known) >= limit - 1;
}

/**
 * Count a hand-back for every record the stream brings back: it retries from the earliest
 * record reported, so every later record of the batch comes back with it. Conservative: a
 * record counted too often is parked early, never lost. A count that cannot be written is
 * only logged.
 */
export async function countHandBacks(
  records: readonly BatchRecord[],
  reported: ReadonlySet<string>,
  known: KnownDeliveries,
  deps: RelayDeps,
): Promise<void> {
  const first = records.findIndex((record) => reported.has(record.itemIdentifier));
  if (first < 0 || deps.streamRetryAttempts === undefined) return;
  await Promise.all(
    records.slice(first).map((record) =>
      deps.state
        .putDelivery({
          eventId: record.input.event.id,
          target: HAND_BACKS_TARGET,
          status: 'retrying',
          attempts: handBacksOf(record, known) + 1,
          updatedAt: new Date(nowOf(deps)).toISOString(),
        })
        .catch((error: unknown) =>
          deps.log.warn('stream hand-back not counted', { eventId: record.input.event.id, error }),
        ),
    ),
  );
}
