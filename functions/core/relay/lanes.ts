import type { DeliveryTarget } from '../outbound';
import type { RelayDeps, RelayInput } from './deps';
import { relayTargets, targetKey } from './targets';

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
 * partition's records by the targets their bridge relays them to.
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
      const bridge = deps.bridges.get(record.input.event.subject);
      if (!bridge || !bridge.relay.includes(record.input.event.type)) continue;
      for (const target of relayTargets(bridge, record.input.event)) {
        const key = targetKey(target);
        const lane = laneByTarget.get(key) ?? { target, records: [] };
        lane.records.push(record);
        laneByTarget.set(key, lane);
      }
    }
    return { partition, laneByTarget };
  });
}
