import { relayEventTo, relayTargets, type RelayDeps, type RelayInput } from './relay';
import type { DeliveryTarget } from './outbound';
import { deliveryKey, type KnownDeliveries } from './relay-ports';

export interface BatchRecord {
  /** The stream record's id, reported back when it must be retried. */
  itemIdentifier: string;
  /** Records of one partition key keep their order. */
  partitionKey: string;
  input: RelayInput;
}

interface Lane {
  target: DeliveryTarget;
  records: BatchRecord[];
}

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

  const byPartition = new Map<string, BatchRecord[]>();
  for (const record of records) {
    if (record.input.echo) continue; // the bridge's own echoes are stored, never relayed
    const list = byPartition.get(record.partitionKey) ?? [];
    list.push(record);
    byPartition.set(record.partitionKey, list);
  }

  const lanesByPartition = [...byPartition.values()].map((partition) => {
    const laneByTarget = new Map<string, Lane>();
    for (const record of partition) {
      const bridge = deps.bridges.get(record.input.event.subject);
      if (!bridge || !bridge.relay.includes(record.input.event.type)) continue;
      for (const target of relayTargets(bridge, record.input.event)) {
        const key = `${target.provider}#${target.channel}`;
        const lane = laneByTarget.get(key) ?? { target, records: [] };
        lane.records.push(record);
        laneByTarget.set(key, lane);
      }
    }
    return { partition, laneByTarget };
  });

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
            target: `${lane.target.provider}#${lane.target.channel}`,
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

const webTarget = (record: BatchRecord) => `web#${record.input.event.subject}`;

async function pushToClients(
  partition: readonly BatchRecord[],
  deps: RelayDeps,
  known: KnownDeliveries,
  markFailed: (record: BatchRecord, error: unknown) => void,
) {
  for (const record of partition) {
    const { event, cursor } = record.input;
    if (!deps.bridges.get(event.subject)) continue;
    const target = webTarget(record);
    try {
      // A stream retry must not push the same event to the clients twice.
      if (known.has(deliveryKey(event.id, target))) continue;
      const pushed = await deps.broadcaster.broadcast(event.subject, {
        type: 'event',
        event,
        ...(cursor && { cursor }),
      });
      await deps.state.putDelivery({
        eventId: event.id,
        target,
        status: 'delivered',
        attempts: 1,
        detail: `${pushed.sent} connection(s), ${pushed.gone} gone, ${pushed.failed} failed`,
        updatedAt: new Date((deps.now ?? Date.now)()).toISOString(),
      });
    } catch (error) {
      markFailed(record, error);
    }
  }
}
