import type { Bridge } from './bridges';

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
export type RemoveOutcome = 'deleted' | 'stale' | 'missing';
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
  /** Leave a tombstone; with `expected`, only when that is still the version. */
  remove(id: string, expected: number | undefined, now: Date): Promise<RemoveOutcome>;
  /** Mark an open bridge closed (its rule's close condition); false when not open. */
  close(id: string, now: Date): Promise<boolean>;
  /**
   * Write the file's version of a bridge unless the record already came from this very
   * version of the file (same `fileHash`): an operator's later change survives redeploys and
   * restarts until the file's own version of the bridge changes.
   */
  seed(bridge: Bridge, fileHash: string, now: Date): Promise<SeedOutcome>;
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
