import type { Bridge } from './bridges';
import type {
  BridgeRecord,
  BridgeStore,
  RemoveOutcome,
  ReplaceOutcome,
  SeedOutcome,
} from './bridge-store';

/** The bridges table in memory: core tests, and the contract the DynamoDB store must match. */
export class MemoryBridgeStore implements BridgeStore {
  private readonly records = new Map<string, BridgeRecord>();
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
    if (!existing || existing.status === 'deleted') return 'missing';
    if (expected !== undefined && existing.version !== expected) return 'stale';
    this.write({
      ...existing,
      status: 'deleted',
      version: existing.version + 1,
      updatedAt: now.toISOString(),
    });
    return 'deleted';
  }

  async close(id: string, now: Date): Promise<boolean> {
    const existing = this.records.get(id);
    if (!existing || existing.status !== 'open') return false;
    this.write({
      ...existing,
      status: 'closed',
      version: existing.version + 1,
      updatedAt: now.toISOString(),
    });
    return true;
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

  private write(record: BridgeRecord): BridgeRecord {
    this.records.set(record.bridge.id, record);
    this.changes += 1;
    return structuredClone(record);
  }
}
