import { parseBridgesConfig, type Bridge, type Bridges } from './bridges';
import type { BridgeSource } from './bridge-source';
import { describeRecord, type BridgeRecord, type BridgeStore } from './bridge-store';
import {
  ConfigError,
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ValidationError,
} from './errors';
import type { ChannelIdFormat } from './provider-module';
import { channelKey, type ProviderName } from './providers';

export interface BridgeAdminDeps {
  store: BridgeStore;
  /** Invalidated after every write, so this container sees its own change at once. */
  source: BridgeSource;
  formats: Readonly<Record<ProviderName, ChannelIdFormat>>;
  /** Why a channel is out of the deployment's reach (e.g. no IAM grant for an IVS room). */
  reach?: (provider: ProviderName, channel: string) => string | undefined;
  now?: () => Date;
}

export type BridgeView = ReturnType<typeof describeRecord>;

/**
 * What operators do with bridges (`/bridges` API). Versions are the optimistic lock: replacing
 * needs `If-Match` with the version read, so two operators cannot overwrite each other;
 * deleting takes `If-Match` when given and is unconditional without it (closing a bridge in a
 * hurry must not need a read first).
 */
export class BridgeAdmin {
  constructor(private readonly deps: BridgeAdminDeps) {}

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

  /** Create (no `If-Match`) or replace (`If-Match: <version>`) one bridge. */
  async put(
    id: string,
    body: unknown,
    ifMatch: string | undefined,
  ): Promise<{ view: BridgeView; created: boolean }> {
    const bridge = this.validate(id, body);
    await this.refuseTakenChannels(bridge);
    const now = this.now();
    const expected = parseIfMatch(ifMatch);
    let record: BridgeRecord;
    let created = false;
    if (expected === undefined) {
      const made = await this.deps.store.create({ bridge, origin: 'api' }, now, {
        overTombstone: true,
      });
      if (!made) {
        const current = await this.deps.store.get(id);
        throw new PreconditionRequiredError(
          `bridge "${id}" exists (version ${current?.version ?? '?'}): replacing it needs If-Match with its version`,
        );
      }
      record = made;
      created = true;
    } else {
      const outcome = await this.deps.store.replace(bridge, expected, now);
      if ('refused' in outcome) throw await this.refusal(id, expected, outcome.refused);
      record = outcome.replaced;
    }
    this.deps.source.invalidate();
    return { view: describeRecord(record), created };
  }

  async delete(id: string, ifMatch: string | undefined): Promise<void> {
    const expected = parseIfMatch(ifMatch);
    const outcome = await this.deps.store.remove(id, expected, this.now());
    if (outcome === 'missing') throw new NotFoundError(`unknown bridge "${id}"`);
    if (outcome === 'stale') throw await this.refusal(id, expected!, 'stale');
    this.deps.source.invalidate();
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

  /** A channel that is read belongs to one open bridge only (as in the file). */
  private async refuseTakenChannels(bridge: Bridge): Promise<void> {
    const owners = new Map<string, string>();
    for (const record of await this.deps.store.list()) {
      if (record.status !== 'open' || record.bridge.id === bridge.id) continue;
      for (const c of record.bridge.channels) {
        if (c.direction !== 'out') owners.set(channelKey(c.provider, c.channel), record.bridge.id);
      }
    }
    bridge.channels.forEach((c, j) => {
      const owner =
        c.direction === 'out' ? undefined : owners.get(channelKey(c.provider, c.channel));
      if (owner !== undefined) {
        throw new ConflictError(
          `PUT /bridges/${bridge.id}: bridge "${bridge.id}": channels.${j}.channel: channel already belongs to bridge "${owner}"`,
        );
      }
    });
  }

  private async existing(id: string): Promise<BridgeRecord> {
    const record = await this.deps.store.get(id);
    if (!record || record.status === 'deleted') throw new NotFoundError(`unknown bridge "${id}"`);
    return record;
  }

  private async refusal(id: string, expected: number, why: 'stale' | 'missing') {
    if (why === 'missing') {
      return new PreconditionFailedError(
        `bridge "${id}" does not exist; create it without If-Match`,
      );
    }
    const current = await this.deps.store.get(id);
    return new PreconditionFailedError(
      `bridge "${id}" is at version ${current?.version ?? '?'}, not ${expected}: read it again and retry`,
    );
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

/** `If-Match: "3"` (an ETag as `GET` returns it), `W/"3"` or `3`. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = header.trim().match(/^(?:W\/)?"?(\d{1,15})"?$/);
  if (!match) {
    throw new ValidationError('If-Match: a bridge version as GET returns it, e.g. "3"', 'If-Match');
  }
  return Number(match[1]);
}
