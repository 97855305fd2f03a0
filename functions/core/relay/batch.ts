import { relayEventTo } from './deliver';
import type { RelayDeps } from './deps';
import { lanesOf, type BatchRecord } from './lanes';
import type { KnownDeliveries } from './ports';
import { targetKey } from './targets';
import { pushToClients, webTarget } from './web-fanout';

/**
 * Relay a stream batch. Each (partition, target) pair is one lane, delivered in stream order;
 * lanes run concurrently, so a target that is waiting out a Retry-After holds up only its own
 * lane. Returns the identifiers to report as batch item failures: for each partition, the
 * first record whose relay could not even be settled (a state or queue write failed).
 */
export async function relayBatch(
  records: readonly BatchRecord[],
  deps: RelayDeps,
): Promise<string[]> {
  const failed = new Map<string, BatchRecord>();
  const markFailed = (record: BatchRecord, error: unknown) => {
    deps.log.error('relay of a record did not settle; the stream will retry it', {
      eventId: record.input.event.id,
      error,
    });
    const earlier = failed.get(record.partitionKey);
    if (!earlier || records.indexOf(record) < records.indexOf(earlier))
      failed.set(record.partitionKey, record);
  };

  const lanesByPartition = lanesOf(records, deps);

  // Every delivery record the batch could touch, read in one go: a stream retry skips what
  // was settled without a read per (event, target).
  let known: KnownDeliveries;
  try {
    known = await deps.state.getDeliveries(
      lanesByPartition.flatMap(({ partition, laneByTarget }) => [
        ...partition.map((record) => ({
          eventId: record.input.event.id,
          target: webTarget(record),
        })),
        ...[...laneByTarget.values()].flatMap((lane) =>
          lane.records.map((record) => ({
            eventId: record.input.event.id,
            target: targetKey(lane.target),
          })),
        ),
      ]),
    );
  } catch (error) {
    for (const { partition } of lanesByPartition) if (partition[0]) markFailed(partition[0], error);
    return [...failed.values()].map((record) => record.itemIdentifier);
  }

  const lanes: Promise<void>[] = [];
  for (const { partition, laneByTarget } of lanesByPartition) {
    lanes.push(pushToClients(partition, deps, known, markFailed));
    for (const lane of laneByTarget.values()) {
      lanes.push(
        (async () => {
          for (const record of lane.records) {
            // After a failure in this lane, later records wait for the stream's retry so a
            // target never sees events out of order.
            if (failed.has(record.partitionKey)) {
              markFailed(record, new Error('an earlier record of this channel did not settle'));
              continue;
            }
            await relayEventTo(record.input, lane.target, deps, { known }).catch((error: unknown) =>
              markFailed(record, error),
            );
          }
        })(),
      );
    }
  }
  await Promise.all(lanes);
  return [...failed.values()].map((record) => record.itemIdentifier);
}
