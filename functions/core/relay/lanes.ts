import type { DeliveryTarget } from '../outbound';
import type { RelayDeps, RelayInput } from './deps';
import { endsConversation } from './portal-channels';
import { createdTargets, relayTargets, targetKey } from './targets';

export interface BatchRecord {
  /** The stream record's id, reported back when it must be retried. */
  itemIdentifier: string;
  /** Records of one partition key keep their order. */
  partitionKey: string;
  input: RelayInput;
}

/** One target's records of one partition, delivered in stream order. */
export interface Lane {
  target: DeliveryTarget;
  records: BatchRecord[];
}

export interface PartitionLanes {
  partition: BatchRecord[];
  laneByTarget: Map<string, Lane>;
}

/**
 * Group a batch by partition (the bridge's own echoes are stored, never relayed), then each
 * partition's records by the targets their bridge relays them to, and the event that ends a
 * conversation to the channels its portal created (in their lanes, so after the messages).
 */
export function lanesOf(records: readonly BatchRecord[], deps: RelayDeps): PartitionLanes[] {
  const byPartition = new Map<string, BatchRecord[]>();
  for (const record of records) {
    if (record.input.echo) continue;
    const list = byPartition.get(record.partitionKey) ?? [];
    list.push(record);
    byPartition.set(record.partitionKey, list);
  }
  return [...byPartition.values()].map((partition) => {
    const laneByTarget = new Map<string, Lane>();
    for (const record of partition) {
      const { event } = record.input;
      // Closed by its rule since this event was stored: still the event's bridge.
      const bridge = deps.bridges.ofEvent(event.subject);
      if (!bridge) continue;
      const targets = new Map(
        [
          ...(bridge.relay.includes(event.type) ? relayTargets(bridge, event) : []),
          ...(endsConversation(event, deps) ? createdTargets(bridge) : []),
        ].map((target) => [targetKey(target), target]),
      );
      for (const [key, target] of targets) {
        const lane = laneByTarget.get(key) ?? { target, records: [] };
        lane.records.push(record);
        laneByTarget.set(key, lane);
      }
    }
    return { partition, laneByTarget };
  });
}
