import { describe, expect, it } from 'vitest';
import type { Bridge } from '../../functions/core/bridges';
import { CachedBridgeSource } from '../../functions/core/bridge-source';
import { createLogger } from '../../functions/core/log';
import { MemoryBridgeStore } from '../../functions/core/memory-bridge-store';

const NOW = new Date('2026-01-01T00:00:00.000Z');

function bridge(id: string, channel: string): Bridge {
  return {
    id,
    channels: [{ provider: 'gitple', channel, direction: 'inout', mode: 'message' }],
    senderFormat: '{text}',
    relay: ['chat.message.created'],
  };
}

function setup() {
  const store = new MemoryBridgeStore();
  let clock = 0;
  const logs: string[] = [];
  const source = new CachedBridgeSource(store, {
    ttlMs: 2000,
    minReloadMs: 250,
    now: () => clock,
    log: createLogger({}, { sink: (line) => logs.push(line) }),
  });
  return { store, source, logs, advance: (ms: number) => (clock += ms) };
}

describe('CachedBridgeSource: bridges from the table, seen everywhere within the TTL', () => {
  it('serves a snapshot from memory within the TTL: no request at all', async () => {
    // Prepare
    const { store, source, advance } = setup();
    await store.create({ bridge: bridge('a', 'room-1'), origin: 'api' }, NOW);
    await source.current();
    const before = { ...store.reads };

    // Act
    advance(1999);
    const bridges = await source.current();

    // Assess
    expect(bridges.get('a')).toBeDefined();
    expect(store.reads).toEqual(before);
  });

  it('after the TTL checks the revision only, and reloads only when it moved', async () => {
    // Prepare
    const { store, source, advance } = setup();
    await source.current();

    // Act
    advance(2000);
    await source.current();
    const quiet = { ...store.reads };
    await store.create({ bridge: bridge('b', 'room-2'), origin: 'api' }, NOW);
    const stale = await source.current();
    advance(2000);
    const fresh = await source.current();

    // Assess
    expect(quiet).toEqual({ list: 1, get: 0, revision: 2 });
    expect(stale.get('b')).toBeUndefined();
    expect(fresh.forChannel('gitple', 'room-2')?.bridge.id).toBe('b');
    expect(store.reads).toEqual({ list: 2, get: 0, revision: 3 });
  });

  it('reloads at once for a required id it lacks, at most once per minReloadMs', async () => {
    // Prepare
    const { store, source, advance } = setup();
    await source.current();
    advance(300);
    await store.create({ bridge: bridge('rule-1', 'room-3'), origin: 'rule' }, NOW);

    // Act
    const seen = await source.current(['rule-1']);
    const again = await source.current(['never-made']);
    advance(250);
    await source.current(['never-made']);

    // Assess
    expect(seen.get('rule-1')).toBeDefined();
    expect(again.get('never-made')).toBeUndefined();
    expect(store.reads.list).toBe(3);
  });

  it('leaves closed and deleted bridges out of the snapshot, and knows them as retired', async () => {
    // Prepare
    const { store, source } = setup();
    await store.create({ bridge: bridge('open', 'room-1'), origin: 'api' }, NOW);
    await store.create({ bridge: bridge('closed', 'room-2'), origin: 'rule' }, NOW);
    await store.create({ bridge: bridge('gone', 'room-3'), origin: 'api' }, NOW);
    await store.close('closed', NOW);
    await store.remove('gone', undefined, NOW);

    // Act
    const bridges = await source.current();
    const reads = store.reads.list;
    await source.current(['closed', 'gone']);

    // Assess
    expect(bridges.all().map((b) => b.id)).toEqual(['open']);
    expect(bridges.forChannel('gitple', 'room-2')).toBeUndefined();
    // The events stored under a closed bridge before its close are still its own to relay.
    expect(bridges.ofEvent('closed')?.id).toBe('closed');
    expect(bridges.ofEvent('gone')).toBeUndefined();
    expect(source.isRetired('closed')).toBe(true);
    expect(source.isRetired('gone')).toBe(true);
    expect(source.isRetired('open')).toBe(false);
    expect(store.reads.list).toBe(reads);
  });

  it('keeps serving the last snapshot when the table cannot be read, and says so', async () => {
    // Prepare
    const { store, source, logs, advance } = setup();
    await store.create({ bridge: bridge('a', 'room-1'), origin: 'api' }, NOW);
    await source.current();
    store.revision = async () => {
      throw new Error('throttled');
    };

    // Act
    advance(2000);
    const bridges = await source.current();

    // Assess
    expect(bridges.get('a')).toBeDefined();
    expect(logs.join('\n')).toContain('serving the last snapshot');
  });

  it('fails when it never loaded: no bridges is not an answer to guess', async () => {
    // Prepare
    const { store, source } = setup();
    store.list = async () => {
      throw new Error('no table');
    };

    // Act / Assess
    await expect(source.current()).rejects.toThrow('no table');
  });

  it('shares one refresh between concurrent callers', async () => {
    // Prepare
    const { store, source } = setup();

    // Act
    await Promise.all(Array.from({ length: 20 }, () => source.current()));

    // Assess
    expect(store.reads).toEqual({ list: 1, get: 0, revision: 1 });
  });

  it('after invalidate (this container wrote) reloads on the next call', async () => {
    // Prepare
    const { store, source } = setup();
    await source.current();
    await store.create({ bridge: bridge('a', 'room-1'), origin: 'api' }, NOW);

    // Act
    source.invalidate();
    const bridges = await source.current();

    // Assess
    expect(bridges.get('a')).toBeDefined();
  });

  it('latest(): reads the revision, and reloads only when it moved, whatever the TTL', async () => {
    // Prepare
    const { store, source } = setup();
    await source.current();
    const before = { ...store.reads };

    // Act
    const unchanged = await source.latest();
    const afterQuiet = { ...store.reads };
    await store.create({ bridge: bridge('portal-1', 'portal-1'), origin: 'rule' }, NOW);
    const moved = await source.latest();

    // Assess
    expect(unchanged.get('portal-1')).toBeUndefined();
    expect(afterQuiet).toEqual({ ...before, revision: before.revision + 1 });
    expect(moved.forChannel('gitple', 'portal-1')?.bridge.id).toBe('portal-1');
    expect(store.reads.list).toBe(before.list + 1);
  });

  it('sees the second of two bridges opened within minReloadMs: the revision says it moved', async () => {
    // Prepare
    const { store, source, advance } = setup();
    await source.current();
    advance(300);
    await store.create({ bridge: bridge('rule-1', 'room-3'), origin: 'rule' }, NOW);
    await source.current(['rule-1']);
    advance(10);
    await store.create({ bridge: bridge('rule-2', 'room-4'), origin: 'rule' }, NOW);

    // Act
    const seen = await source.current(['rule-2']);

    // Assess
    expect(seen.get('rule-2')).toBeDefined();
  });

  it('reads nothing for the subject of an unbridged event (a channel key is no bridge id)', async () => {
    // Prepare
    const { store, source, advance } = setup();
    await source.current();
    advance(300);
    const before = { ...store.reads };

    // Act
    await source.current(['gitple#room-99']);

    // Assess
    expect(store.reads).toEqual(before);
  });
});
