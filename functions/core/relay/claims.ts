import { randomUUID } from 'node:crypto';
import { nowOf, type RelayDeps } from './deps';
import type { BatchRecord, PartitionLanes } from './lanes';
import { deliveryKey, SENDING, type DeliveryRecord, type KnownDeliveries } from './ports';
import { targetKey } from './targets';

/**
 * The pseudo-target of an event's relay claim. The first invocation to relay an event writes
 * it, only where none is stored, while it reads the batch's delivery records: the claim is the
 * `sending` intent of attempt 1 to every target, written beside that read instead of after it,
 * so a new message reaches its providers one state round trip sooner. Found again by a stream
 * retry, it reads as an intent for each target that has no record of its own: those calls'
 * outcomes are unknown, and they are sent again and counted as such.
 */
export const RELAY_CLAIM_TARGET = 'relay#claim';

/**
 * Claim the first record of each partition with provider lanes (later records of a lane keep
 * their own intents, written while the record before them settles). A claim that cannot be
 * written resolves false: that record's targets then write their intents as before.
 */
export function claimFirstRecords(partitions: readonly PartitionLanes[], deps: RelayDeps): Claims {
  // The read the claims race may find them already stored: the token tells ours apart.
  const token = `claimed by invocation ${randomUUID()}`;
  const claims = new Map<BatchRecord, Promise<boolean>>();
  for (const { partition, laneByTarget } of partitions) {
    const first = partition.find((record) =>
      [...laneByTarget.values()].some((lane) => lane.records.includes(record)),
    );
    if (!first) continue;
    const eventId = first.input.event.id;
    const claim = deps.state
      .putDeliveryIfAbsent({
        eventId,
        target: RELAY_CLAIM_TARGET,
        status: SENDING,
        attempts: 1,
        detail: token,
        updatedAt: new Date(nowOf(deps)).toISOString(),
      })
      .catch((error: unknown) => {
        deps.log.warn('relay claim not written; the targets write their own intents', {
          eventId,
          error,
        });
        return false;
      });
    claims.set(first, claim);
  }
  return { token, byRecord: claims };
}

export interface Claims {
  token: string;
  byRecord: ReadonlyMap<BatchRecord, Promise<boolean>>;
}

/**
 * The delivery records as read, plus an in-flight intent for each target of a record claimed
 * by an earlier invocation (a claim a crash or a hand-back left behind) that has no record of
 * its own. This invocation's own claims, which the read may already see, are not intents.
 */
export function withClaimedIntents(
  known: KnownDeliveries,
  { partition, laneByTarget }: PartitionLanes,
  ownToken: string,
): KnownDeliveries {
  let merged: Map<string, DeliveryRecord> | undefined;
  for (const record of partition) {
    const eventId = record.input.event.id;
    const claim = known.get(deliveryKey(eventId, RELAY_CLAIM_TARGET));
    if (!claim || claim.detail === ownToken) continue;
    for (const lane of laneByTarget.values()) {
      const key = deliveryKey(eventId, targetKey(lane.target));
      if (!lane.records.includes(record) || known.has(key)) continue;
      merged ??= new Map(known);
      merged.set(key, { ...claim, target: targetKey(lane.target) });
    }
  }
  return merged ?? known;
}
