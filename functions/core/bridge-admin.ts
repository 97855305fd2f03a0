import { parseBridgesConfig, type Bridge, type Bridges } from './bridges';
import type { BridgeSource } from './bridge-source';
import { describeRecord, type BridgeRecord, type BridgeStore } from './bridge-store';
import { ChannelClaims, readChannels, readsChannel, type ChannelTaken } from './channel-claims';
import {
  ConfigError,
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ValidationError,
} from './errors';
import { ifMatchHolds, ifMatchMismatch, parseIfMatch, type IfMatch } from './if-match';
import type { Logger } from './log';
import type { ChannelCreationCatalog } from './portals';
import type { ChannelIdFormat } from './provider-module';
import type { ProviderName } from './providers';

export interface BridgeAdminDeps {
  store: BridgeStore;
  /** Invalidated after every write, so this container sees its own change at once. */
  source: BridgeSource;
  formats: Readonly<Record<ProviderName, ChannelIdFormat>>;
  /** What each provider can create, for channels that name `create` (kept from a rule's bridge). */
  creation?: ChannelCreationCatalog;
  /** Why a channel is out of the deployment's reach (e.g. no IAM grant for an IVS room). */
  reach?: (provider: ProviderName, channel: string) => string | undefined;
  now?: () => Date;
  log?: Logger;
}

export type BridgeView = ReturnType<typeof describeRecord>;

/**
 * What operators do with bridges (`/bridges` API). Versions are the optimistic lock: replacing
 * needs `If-Match` with the version read (RFC 9110 strong comparison, functions/core/if-match.ts),
 * so two operators cannot overwrite each other; deleting takes `If-Match` when given and is
 * unconditional without it. Channel claims keep a read channel to one bridge.
 */
export class BridgeAdmin {
  private readonly claims: ChannelClaims;

  constructor(private readonly deps: BridgeAdminDeps) {
    this.claims = new ChannelClaims(deps.store, {
      ...(deps.now && { now: deps.now }),
      ...(deps.log && { log: deps.log }),
    });
  }

  /** Every bridge that is not deleted, closed ones included, by id. */
  async list(): Promise<BridgeView[]> {
    const records = await this.deps.store.list();
    return records
      .filter((r) => r.status !== 'deleted')
      .sort((a, b) => a.bridge.id.localeCompare(b.bridge.id))
      .map(describeRecord);
  }

  async get(id: string): Promise<BridgeView> {
    return describeRecord(await this.existing(id));
  }

  /**
   * Create (no `If-Match`) or replace (`If-Match: "<version>"` or `*`) one bridge, with every
   * channel it reads claimed for it first (`ChannelClaims`): of two writers wanting one
   * channel, one gets it and the other a 409.
   */
  async put(
    id: string,
    body: unknown,
    ifMatch: string | undefined,
  ): Promise<{ view: BridgeView; created: boolean }> {
    const bridge = this.validate(id, body);
    const condition = parseIfMatch(ifMatch);
    const current = await this.live(id);
    if (condition === undefined && current) throw ifMatchRequired(id, current);
    if (condition !== undefined) this.check(id, condition, current);
    await this.refuseReadElsewhere(bridge);
    const now = this.now();
    const outcome = await this.claims.write(bridge, current?.bridge, async () => {
      if (current === undefined) {
        return this.deps.store.create({ bridge, origin: 'api' }, now, { overTombstone: true });
      }
      const replaced = await this.deps.store.replace(bridge, current.version, now);
      return 'replaced' in replaced ? replaced.replaced : undefined;
    });
    if ('taken' in outcome) throw this.taken(bridge, outcome.taken);
    if ('refused' in outcome) throw await this.changedMeanwhile(id, condition);
    this.deps.source.invalidate();
    return { view: describeRecord(outcome.written), created: current === undefined };
  }

  /**
   * Delete (leave a tombstone) and free the channels it read. `If-Match` is optional: given, it
   * must hold (412); absent, the delete is unconditional — closing a bridge in a hurry must not
   * need a read first.
   */
  async delete(id: string, ifMatch: string | undefined): Promise<void> {
    const condition = parseIfMatch(ifMatch);
    let expected: number | undefined;
    if (condition !== undefined) {
      // A missing bridge is 404 whatever the condition: RFC 9110, section 13.2.1 answers what
      // the request would get without it.
      const current = await this.existing(id);
      this.check(id, condition, current);
      expected = current.version;
    }
    const outcome = await this.deps.store.remove(id, expected, this.now());
    if ('refused' in outcome) {
      if (outcome.refused === 'missing') throw new NotFoundError(`unknown bridge "${id}"`);
      throw await this.changedMeanwhile(id, condition);
    }
    this.deps.source.invalidate();
    await this.claims.release(outcome.removed);
  }

  /** The same validation and messages as the bridges file, on a one-bridge document. */
  private validate(id: string, body: unknown): Bridge {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationError('the body must be a bridge object: {"channels": [...], ...}');
    }
    const bodyId = (body as { id?: unknown }).id;
    if (bodyId !== undefined && bodyId !== id) {
      throw new ValidationError(`id: "${String(bodyId)}" differs from the path's "${id}"`, 'id');
    }
    let parsed: Bridges;
    try {
      parsed = parseBridgesConfig(
        { bridges: [{ ...body, id }] },
        this.deps.formats,
        `PUT /bridges/${id}`,
        this.deps.creation,
      );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // The file's message, with the path inside this one bridge rather than the file.
      throw new ValidationError(error.message.replace(/: bridges\.0\.?/, ': '));
    }
    const bridge = parsed.all()[0]!;
    bridge.channels.forEach((c, j) => {
      const unreachable = this.deps.reach?.(c.provider, c.channel);
      if (unreachable !== undefined) {
        throw new ValidationError(
          `PUT /bridges/${id}: bridge "${id}": channels.${j}.channel: ${unreachable}`,
          `channels.${j}.channel`,
        );
      }
    });
    return bridge;
  }

  /**
   * A bridge that reads a channel without a claim (a file bridge, which seeding writes without
   * claims, or one written before claims existed) keeps it too: found in the snapshot, it is
   * confirmed with a consistent read, since the snapshot may be up to the cache TTL old.
   */
  private async refuseReadElsewhere(bridge: Bridge): Promise<void> {
    const snapshot = await this.deps.source.current();
    for (const channel of readChannels(bridge)) {
      const found = snapshot.forChannel(channel.provider, channel.channel);
      if (!found || found.bridge.id === bridge.id || found.channel.direction === 'out') continue;
      if (readsChannel(await this.deps.store.get(found.bridge.id), channel)) {
        throw this.taken(bridge, { ...channel, owner: found.bridge.id });
      }
    }
  }

  private taken(bridge: Bridge, taken: ChannelTaken): ConflictError {
    return new ConflictError(
      `PUT /bridges/${bridge.id}: bridge "${bridge.id}": channels.${taken.index}.channel: channel already belongs to bridge "${taken.owner}"`,
    );
  }

  /** The record unless it is missing or a tombstone. */
  private async live(id: string): Promise<BridgeRecord | undefined> {
    const record = await this.deps.store.get(id);
    return record && record.status !== 'deleted' ? record : undefined;
  }

  /** 412 unless `condition` holds for the bridge as it is. */
  private check(id: string, condition: IfMatch, current: BridgeRecord | undefined): void {
    if (current === undefined) {
      throw new PreconditionFailedError(
        `bridge "${id}" does not exist; create it without If-Match`,
      );
    }
    if (!ifMatchHolds(condition, current.version)) {
      throw new PreconditionFailedError(
        `bridge "${id}" is at version ${current.version}${ifMatchMismatch(condition, current.version)}`,
      );
    }
  }

  /** Another write of this bridge landed between our read and our conditional write. */
  private async changedMeanwhile(id: string, condition: IfMatch | undefined) {
    const current = await this.live(id);
    if (condition === undefined) return ifMatchRequired(id, current);
    try {
      this.check(id, condition, current);
    } catch (error) {
      return error as PreconditionFailedError;
    }
    // `*` or a list still holding: it held for the version read, which is gone all the same.
    return new PreconditionFailedError(
      `bridge "${id}" changed while it was being written (now version ${current!.version}): read it again and retry`,
    );
  }

  private async existing(id: string): Promise<BridgeRecord> {
    const record = await this.live(id);
    if (!record) throw new NotFoundError(`unknown bridge "${id}"`);
    return record;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

/** 428: a bridge that exists is replaced only at the version read. */
const ifMatchRequired = (id: string, current: BridgeRecord | undefined) =>
  new PreconditionRequiredError(
    `bridge "${id}" exists (version ${current?.version ?? '?'}): replacing it needs If-Match with its version`,
  );
