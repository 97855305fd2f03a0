import { Bridges } from './bridges';
import type { BridgeRecord, BridgeStore } from './bridge-store';
import type { Logger } from './log';

/**
 * Where handlers get bridges: a synchronous `Bridges` snapshot taken at the entry of each
 * invocation, so the code below it (ingest, relay, tokens, client actions) stays synchronous.
 */
export interface BridgeSource {
  /**
   * The current bridges. `required` names bridge ids the caller is about to look up (an
   * event's subject, a subscribe): one the snapshot lacks triggers a reload, so a bridge a
   * rule just created is seen at once by the relay that receives its first event.
   */
  current(required?: readonly string[]): Promise<Bridges>;
  /**
   * The snapshot as of now: the table's revision is read (one small consistent read) and the
   * bridges reloaded if it moved. For a lookup that must not miss a bridge another container
   * opened a moment ago, e.g. the first reply from a channel a portal rule just created.
   */
  latest(): Promise<Bridges>;
  /** Ids of bridges that exist but do not relay (closed by their rule, or deleted). */
  isRetired(id: string): boolean;
  /** Forget the snapshot: this container just wrote a bridge. */
  invalidate(): void;
}

/** A fixed set of bridges (unit tests, `cdk synth`): nothing to refresh. */
export function staticBridgeSource(bridges: Bridges): BridgeSource {
  return {
    current: async () => bridges,
    latest: async () => bridges,
    isRetired: () => false,
    invalidate: () => undefined,
  };
}

export interface BridgeCacheOptions {
  /** How long a snapshot is used without asking the table (default 2000 ms). */
  ttlMs?: number;
  /** Least time between two reloads asked for by `required` ids (default 250 ms). */
  minReloadMs?: number;
  now?: () => number;
  log?: Logger;
}

export const DEFAULT_BRIDGE_CACHE_TTL_MS = 2000;

/**
 * The bridges table behind a small cache. Within `ttlMs` a snapshot is served from memory
 * (no request); after it, one consistent read of the table's revision counter (a single tiny
 * item) decides whether to reload everything. So a change made anywhere is seen everywhere
 * within `ttlMs` plus one request, and a quiet table costs one small read per container per
 * `ttlMs`, whatever the message rate. When the table cannot be read, the last snapshot keeps
 * serving (logged) rather than stopping every relay.
 */
export class CachedBridgeSource implements BridgeSource {
  private snapshot: Bridges | undefined;
  private retired = new Set<string>();
  private loadedRevision = -1;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private reloadedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> | undefined;
  private readonly ttlMs: number;
  private readonly minReloadMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: BridgeStore,
    private readonly options: BridgeCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_BRIDGE_CACHE_TTL_MS;
    this.minReloadMs = options.minReloadMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  async current(required: readonly string[] = []): Promise<Bridges> {
    const now = this.now();
    if (this.snapshot === undefined || now - this.checkedAt >= this.ttlMs) {
      await this.once(() => this.refresh(false));
    } else if (this.lacksAny(required)) {
      // A full reload at most every minReloadMs; in between, the revision tells whether a
      // bridge was written since (a rule opens one, and bumps the revision, before it stores
      // the event naming it), so the second of two bridges opened in a row is not missed.
      if (now - this.reloadedAt >= this.minReloadMs) await this.once(() => this.refresh(true));
      else return this.latest();
    }
    return this.snapshot!;
  }

  async latest(): Promise<Bridges> {
    const revision = await this.store.revision();
    // A refresh already under way may have read an older revision: wait for it, then load
    // again unless it reached this one (twice at most, so a failing table cannot hold us).
    for (let tries = 0; tries < 2 && (revision > this.loadedRevision || !this.snapshot); tries++) {
      await this.once(() => this.refresh(true));
    }
    return this.snapshot!;
  }

  isRetired(id: string): boolean {
    return this.retired.has(id);
  }

  invalidate(): void {
    this.checkedAt = Number.NEGATIVE_INFINITY;
    this.loadedRevision = -1;
  }

  private lacksAny(required: readonly string[]): boolean {
    // An unbridged event's subject is its channel key (`provider#channel`), never a bridge id.
    return required.some(
      (id) => !id.includes('#') && this.snapshot!.get(id) === undefined && !this.retired.has(id),
    );
  }

  /** Concurrent callers of one container share one refresh. */
  private async once(work: () => Promise<void>): Promise<void> {
    this.pending ??= work().finally(() => (this.pending = undefined));
    await this.pending;
  }

  private async refresh(force: boolean): Promise<void> {
    const started = this.now();
    try {
      // Read the revision before the records: a write landing in between is either in this
      // load or makes the next check see a newer revision, never lost.
      const revision = await this.store.revision();
      if (force || revision !== this.loadedRevision || this.snapshot === undefined) {
        this.load(await this.store.list());
        this.loadedRevision = revision;
        this.reloadedAt = started;
      }
      this.checkedAt = started;
    } catch (error) {
      if (this.snapshot === undefined) throw error;
      this.options.log?.warn('bridges table unreadable: serving the last snapshot', { error });
      this.checkedAt = started;
    }
  }

  private load(records: readonly BridgeRecord[]): void {
    const open = records.filter((r) => r.status === 'open').map((r) => r.bridge);
    const closed = records.filter((r) => r.status === 'closed').map((r) => r.bridge);
    this.snapshot = new Bridges({ bridges: open }, closed);
    this.retired = new Set(records.filter((r) => r.status !== 'open').map((r) => r.bridge.id));
  }
}
