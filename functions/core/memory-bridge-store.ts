import type { Bridge } from './bridges';
import type {
  BridgeRecord,
  BridgeStore,
  ChannelClaim,
  ClaimedChannel,
  RemoveOutcome,
  ReplaceOutcome,
  SeedOutcome,
} from './bridge-store';
import { channelKey } from './providers';

/** The bridges table in memory: core tests, and the contract the DynamoDB store must match. */
export class MemoryBridgeStore implements BridgeStore {
  private readonly records = new Map<string, BridgeRecord>();
  /** Claims by channel key; a released claim keeps its `seq` (as the table's husk does). */
  private readonly claims = new Map<string, ChannelClaim | { seq: number }>();
  private changes = 0;
  /** Reads served, so cache tests can count what a lookup cost. */
  reads = { list: 0, get: 0, revision: 0 };

  async list(): Promise<BridgeRecord[]> {
    this.reads.list += 1;
    return [...this.records.values()].map((record) => structuredClone(record));
  }

  async get(id: string): Promise<BridgeRecord | undefined> {
    this.reads.get += 1;
    const record = this.records.get(id);
    return record && structuredClone(record);
  }

  async revision(): Promise<number> {
    this.reads.revision += 1;
    return this.changes;
  }

  async create(
    record: Pick<BridgeRecord, 'bridge' | 'origin' | 'ruleId'>,
    now: Date,
    options: { overTombstone?: boolean } = {},
  ): Promise<BridgeRecord | undefined> {
    const existing = this.records.get(record.bridge.id);
    if (existing && !(options.overTombstone && existing.status === 'deleted')) return undefined;
    const time = now.toISOString();
    const created: BridgeRecord = {
      bridge: structuredClone(record.bridge),
      version: (existing?.version ?? 0) + 1,
      origin: record.origin,
      status: 'open',
      ...(record.ruleId !== undefined && { ruleId: record.ruleId }),
      ...(existing?.fileHash !== undefined && { fileHash: existing.fileHash }),
      createdAt: time,
      updatedAt: time,
    };
    return this.write(created);
  }

  async replace(bridge: Bridge, expected: number, now: Date): Promise<ReplaceOutcome> {
    const existing = this.records.get(bridge.id);
    if (!existing || existing.status === 'deleted') return { refused: 'missing' };
    if (existing.version !== expected) return { refused: 'stale' };
    const replaced = this.write({
      ...existing,
      bridge: structuredClone(bridge),
      origin: 'api',
      status: 'open',
      version: existing.version + 1,
      updatedAt: now.toISOString(),
    });
    return { replaced };
  }

  async remove(id: string, expected: number | undefined, now: Date): Promise<RemoveOutcome> {
    const existing = this.records.get(id);
    if (!existing || existing.status === 'deleted') return { refused: 'missing' };
    if (expected !== undefined && existing.version !== expected) return { refused: 'stale' };
    const removed = this.write({
      ...existing,
      status: 'deleted',
      version: existing.version + 1,
      updatedAt: now.toISOString(),
    });
    return { removed };
  }

  async close(id: string, now: Date): Promise<BridgeRecord | undefined> {
    const existing = this.records.get(id);
    if (!existing || existing.status !== 'open') return undefined;
    return this.write({
      ...existing,
      status: 'closed',
      version: existing.version + 1,
      updatedAt: now.toISOString(),
    });
  }

  async seed(bridge: Bridge, fileHash: string, now: Date): Promise<SeedOutcome> {
    const existing = this.records.get(bridge.id);
    if (existing?.fileHash === fileHash) return 'kept';
    const time = now.toISOString();
    this.write({
      bridge: structuredClone(bridge),
      version: (existing?.version ?? 0) + 1,
      origin: 'file',
      status: 'open',
      fileHash,
      createdAt: existing?.createdAt ?? time,
      updatedAt: time,
    });
    return 'written';
  }

  async readClaim(channel: ClaimedChannel): Promise<ChannelClaim | undefined> {
    const claim = this.held(channel);
    return claim && structuredClone(claim);
  }

  async claim(channel: ClaimedChannel, bridgeId: string, writer: string, at: number) {
    const held = this.held(channel);
    if (held && held.bridgeId !== bridgeId) return undefined;
    const writers = [...new Set([...(held?.writers ?? []), writer])];
    return this.setClaim(channel, { bridgeId, writers, claimedAt: at });
  }

  async takeOver(
    channel: ClaimedChannel,
    seq: number,
    bridgeId: string,
    writer: string,
    at: number,
  ) {
    if (this.claims.get(channelKey(channel.provider, channel.channel))?.seq !== seq) {
      return undefined;
    }
    return this.setClaim(channel, { bridgeId, writers: [writer], claimedAt: at });
  }

  async leave(channel: ClaimedChannel, writer: string) {
    const held = this.held(channel);
    if (!held?.writers.includes(writer)) return undefined;
    return this.setClaim(channel, { ...held, writers: held.writers.filter((w) => w !== writer) });
  }

  async release(channel: ClaimedChannel, seq: number): Promise<boolean> {
    const key = channelKey(channel.provider, channel.channel);
    if (this.claims.get(key)?.seq !== seq) return false;
    this.claims.set(key, { seq: seq + 1 });
    return true;
  }

  private held(channel: ClaimedChannel): ChannelClaim | undefined {
    const claim = this.claims.get(channelKey(channel.provider, channel.channel));
    return claim && 'bridgeId' in claim ? claim : undefined;
  }

  private setClaim(
    channel: ClaimedChannel,
    claim: Pick<ChannelClaim, 'bridgeId' | 'writers' | 'claimedAt'>,
  ): ChannelClaim {
    const key = channelKey(channel.provider, channel.channel);
    const seq = (this.claims.get(key)?.seq ?? 0) + 1;
    const written: ChannelClaim = {
      provider: channel.provider,
      channel: channel.channel,
      bridgeId: claim.bridgeId,
      writers: [...claim.writers],
      claimedAt: claim.claimedAt,
      seq,
    };
    this.claims.set(key, written);
    return structuredClone(written);
  }

  private write(record: BridgeRecord): BridgeRecord {
    this.records.set(record.bridge.id, record);
    this.changes += 1;
    return structuredClone(record);
  }
}
