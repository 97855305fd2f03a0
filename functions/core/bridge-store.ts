import type { Bridge } from './bridges';
import type { ProviderName } from './providers';

/** Who made a bridge: the bridges file, an operator through the API, or a rule on demand. */
export const BRIDGE_ORIGINS = ['file', 'api', 'rule'] as const;
export type BridgeOrigin = (typeof BRIDGE_ORIGINS)[number];

/**
 * `open` relays; `closed` was closed by its rule (kept so the rule does not open it again and
 * operators still see it); `deleted` is a tombstone, so seeding from an unchanged file does
 * not bring back what an operator deleted.
 */
export type BridgeStatus = 'open' | 'closed' | 'deleted';

/** One bridge as the bridges table holds it. */
export interface BridgeRecord {
  bridge: Bridge;
  /** Starts at 1 and grows by one with every write: the `If-Match` value. */
  version: number;
  origin: BridgeOrigin;
  status: BridgeStatus;
  /** The rule that opened it (origin `rule`). */
  ruleId?: string;
  /** Hash of the file's version of this bridge when the file last wrote it. */
  fileHash?: string;
  createdAt: string;
  updatedAt: string;
}

export type ReplaceOutcome = { replaced: BridgeRecord } | { refused: 'stale' | 'missing' };
export type RemoveOutcome = { removed: BridgeRecord } | { refused: 'stale' | 'missing' };
export type SeedOutcome = 'written' | 'kept';

/**
 * The bridges table. Every write also advances the table's `revision`, so a cache can tell
 * with one small read whether anything changed since it loaded.
 */
export interface BridgeStore {
  /** Every record, tombstones included (the cache and the API filter), read consistently. */
  list(): Promise<BridgeRecord[]>;
  get(id: string): Promise<BridgeRecord | undefined>;
  /** A number that changes whenever any bridge does. */
  revision(): Promise<number>;
  /**
   * Create when no record has this id (a tombstone counts as absent only when
   * `overTombstone`): false when one exists. One conditional write, so concurrent creators
   * of one id agree on a single winner.
   */
  create(
    record: Pick<BridgeRecord, 'bridge' | 'origin' | 'ruleId'>,
    now: Date,
    options?: { overTombstone?: boolean },
  ): Promise<BridgeRecord | undefined>;
  /** Replace an open or closed record whose version is still `expected`. */
  replace(bridge: Bridge, expected: number, now: Date): Promise<ReplaceOutcome>;
  /** Leave a tombstone (returned); with `expected`, only when that is still the version. */
  remove(id: string, expected: number | undefined, now: Date): Promise<RemoveOutcome>;
  /** Close an open bridge (its rule's close condition): the closed record, else undefined. */
  close(id: string, now: Date): Promise<BridgeRecord | undefined>;
  /**
   * Write the file's version of a bridge unless the record already came from this very
   * version of the file (same `fileHash`): an operator's later change survives redeploys and
   * restarts until the file's own version of the bridge changes.
   */
  seed(bridge: Bridge, fileHash: string, now: Date): Promise<SeedOutcome>;

  // Channel claims (functions/core/channel-claims.ts holds the protocol; these are its
  // single-item conditional writes, each also advancing the claim's `seq`).

  /** The claim on a channel, read consistently; undefined when nobody holds it. */
  readClaim(channel: ClaimedChannel): Promise<ChannelClaim | undefined>;
  /**
   * Hold the channel for `bridgeId` with `writer` among its writers: one conditional write
   * that succeeds when nobody holds it or this bridge already does, and answers undefined when
   * another bridge holds it.
   */
  claim(
    channel: ClaimedChannel,
    bridgeId: string,
    writer: string,
    at: number,
  ): Promise<ChannelClaim | undefined>;
  /** Replace the claim seen at `seq` (a stale one) by one of `bridgeId` with `writer` alone. */
  takeOver(
    channel: ClaimedChannel,
    seq: number,
    bridgeId: string,
    writer: string,
    at: number,
  ): Promise<ChannelClaim | undefined>;
  /** Take `writer` out of the claim's writers: the claim after, else undefined. */
  leave(channel: ClaimedChannel, writer: string): Promise<ChannelClaim | undefined>;
  /** Free the claim if it is still the one seen at `seq`: false when it changed since. */
  release(channel: ClaimedChannel, seq: number, now: Date): Promise<boolean>;
}

/** A channel as claims name it. */
export interface ClaimedChannel {
  provider: ProviderName;
  channel: string;
}

/**
 * Who holds a channel that is read (direction `in` or `inout`): one bridge at a time. Writers
 * are the writes in flight that rely on the claim; once a write lands, its bridge reading the
 * channel is what keeps the claim, and the writer leaves.
 */
export interface ChannelClaim extends ClaimedChannel {
  bridgeId: string;
  /** Tokens of the writes in flight that rely on this claim. */
  writers: string[];
  /** When a writer last joined (epoch ms): writers older than the lease are presumed dead. */
  claimedAt: number;
  /** Grows with every change of the claim: the condition of a takeover or a release. */
  seq: number;
}

/** What an operator sees of a record (`GET /bridges`). */
export function describeRecord(record: BridgeRecord) {
  return {
    id: record.bridge.id,
    version: record.version,
    origin: record.origin,
    status: record.status,
    ...(record.ruleId !== undefined && { ruleId: record.ruleId }),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    bridge: record.bridge,
  };
}
