import { parkBeforeStreamGivesUp } from './dead-letters';
import { DeliveryFrames } from './delivery-frames';
import { relayEventTo } from './deliver';
import type { RelayDeps } from './deps';
import { countHandBacks, HAND_BACKS_TARGET, isLastChance } from './hand-backs';
import { lanesOf, type BatchRecord, type Lane, type PartitionLanes } from './lanes';
import type { KnownDeliveries } from './ports';
import { targetKey } from './targets';
import { pushToClients, webTarget } from './web-fanout';

/**
 * Relay a stream batch. Each (partition, target) pair is one lane, delivered in stream order;
 * lanes run concurrently, so a target that is waiting out a Retry-After holds up only its own
 * lane. Returns the identifiers to report as batch item failures: for each partition, the
 * first record whose relay could not even be settled (a state or queue write failed). A
 * record the stream is about to give up on is parked in the dead-letter queue instead.
 */
export async function relayBatch(
  records: readonly BatchRecord[],
  relayDeps: RelayDeps,
): Promise<string[]> {
  const frames = new DeliveryFrames(relayDeps.broadcaster, relayDeps.log);
  const deps: RelayDeps = { ...relayDeps, deliveryFrames: frames };
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

  const lanes: Promise<void>[] = [];
  const knownByRecord = new Map<BatchRecord, KnownDeliveries>();
  const partitions = lanesOf(records, deps);
  // The subscribers are read beside the deliveries, not after them: one round trip less
  // before the first push.
  deps.broadcaster.prefetch?.(pushedBridges(partitions, deps));

  for (const { partitionLanes, known } of await readDeliveries(partitions, deps)) {
    const { partition, laneByTarget } = partitionLanes;
    // Undefined when the read failed: lanes then read each delivery themselves.
    const settled = known ?? new Map();
    for (const record of partition) knownByRecord.set(record, settled);
    // Clients catch up from history by cursor: a push the stream is about to give up on is
    // dropped (logged and counted) rather than holding the channel until it is lost.
    const pushFailed = (record: BatchRecord, error: unknown) => {
      if (!isLastChance(record, settled, deps)) return markFailed(record, error);
      deps.log.error('push to clients dropped before the stream gives up', {
        eventId: record.input.event.id,
        error,
      });
      deps.metrics.count('ClientPushesDropped', {});
    };
    lanes.push(pushToClients(partition, deps, settled, pushFailed));
    for (const lane of laneByTarget.values()) {
      lanes.push(relayLane(lane, known, deps, failed, markFailed));
    }
  }
  await Promise.all(lanes);
  // Every delivery frame is posted before the batch reports back (a frozen sandbox posts none).
  await frames.drained();
  const reported = [...failed.values()].map((record) => record.itemIdentifier);
  await countHandBacks(
    records.filter((record) => knownByRecord.has(record)),
    new Set(reported),
    new Map([...knownByRecord.values()].flatMap((known) => [...known])),
    deps,
  );
  return reported;
}

/** The bridges whose clients the batch pushes events to. */
const pushedBridges = (partitions: readonly PartitionLanes[], deps: RelayDeps) => [
  ...new Set(
    partitions.flatMap(({ partition }) =>
      partition
        .map((record) => record.input.event.subject)
        .filter((subject) => deps.bridges.ofEvent(subject)),
    ),
  ),
];

/** Thrown into a record whose lane stopped at an earlier record of its channel. */
class EarlierRecordUnsettled extends Error {
  constructor() {
    super('an earlier record of this channel did not settle');
  }
}

/**
 * One target's records in stream order, each sent only once the one before it is settled and
 * recorded, so a target never sees events out of order. The next record's `sending` intent is
 * written while the previous outcome is, which keeps one state round trip off each message
 * and at most one call per lane whose outcome a crash could leave unknown.
 */
async function relayLane(
  lane: Lane,
  known: KnownDeliveries | undefined,
  deps: RelayDeps,
  failed: ReadonlyMap<string, BatchRecord>,
  markFailed: (record: BatchRecord, error: unknown) => void,
): Promise<void> {
  let previous: { callOver: Promise<void>; settled: Promise<void> } = {
    callOver: Promise.resolve(),
    settled: Promise.resolve(),
  };
  for (const record of lane.records) {
    await previous.callOver;
    // After a failure in this lane, later records wait for the stream's retry.
    if (failed.has(record.partitionKey)) {
      markFailed(record, new EarlierRecordUnsettled());
      continue;
    }
    const before = previous.settled.then(() => {
      if (failed.has(record.partitionKey)) throw new EarlierRecordUnsettled();
    });
    // Paths that call no provider do not wait for it; the record still settles only with it.
    before.catch(() => undefined);
    let callOver!: () => void;
    const over = new Promise<void>((resolve) => (callOver = resolve));
    const settled = relayEventTo(record.input, lane.target, deps, {
      ...(known && { known }),
      step: { before, callOver },
    })
      .then(() => before)
      .catch(async (error: unknown) => {
        if (
          error instanceof EarlierRecordUnsettled ||
          !isLastChance(record, known ?? new Map(), deps)
        )
          return markFailed(record, error);
        await parkBeforeStreamGivesUp(deps, {
          event: record.input.event,
          target: lane.target,
          bridgeId: deps.bridges.ofEvent(record.input.event.subject)?.id ?? '',
          error,
        }).catch((parkError: unknown) => markFailed(record, parkError));
      })
      .finally(callOver);
    previous = { callOver: over, settled };
  }
  await previous.settled;
}

/**
 * Every delivery record the batch could touch, read in one go, so a stream retry skips what
 * was settled without a read per (event, target). When that read fails (a key the store
 * refuses, a throttle), each partition is read on its own, and a partition that still
 * cannot be read reads its deliveries one by one: one bad key never fails the others.
 */
async function readDeliveries(
  lanesByPartition: PartitionLanes[],
  deps: RelayDeps,
): Promise<{ partitionLanes: PartitionLanes; known: KnownDeliveries | undefined }[]> {
  const keysOf = ({ partition, laneByTarget }: PartitionLanes) => [
    ...partition.flatMap((record) => [
      { eventId: record.input.event.id, target: HAND_BACKS_TARGET },
      // Only a bridge's own events are pushed to its clients (closed by its rule since included).
      ...(deps.bridges.ofEvent(record.input.event.subject)
        ? [{ eventId: record.input.event.id, target: webTarget(record) }]
        : []),
    ]),
    ...[...laneByTarget.values()].flatMap((lane) =>
      lane.records.map((record) => ({
        eventId: record.input.event.id,
        target: targetKey(lane.target),
      })),
    ),
  ];
  try {
    const known = await deps.state.getDeliveries(lanesByPartition.flatMap(keysOf));
    return lanesByPartition.map((partitionLanes) => ({ partitionLanes, known }));
  } catch (error) {
    deps.log.warn('batch-wide delivery read failed; reading each channel on its own', { error });
    return Promise.all(
      lanesByPartition.map(async (partitionLanes) => ({
        partitionLanes,
        known: await deps.state.getDeliveries(keysOf(partitionLanes)).catch((partError) => {
          deps.log.warn('delivery read of a channel failed; reading them one by one', {
            partitionKey: partitionLanes.partition[0]?.partitionKey,
            error: partError,
          });
          return undefined;
        }),
      })),
    );
  }
}
