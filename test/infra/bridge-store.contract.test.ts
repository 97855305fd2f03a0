import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../functions/core/bridges';
import type { BridgeStore } from '../../functions/core/bridge-store';
import { MemoryBridgeStore } from '../../functions/core/memory-bridge-store';
import { DynamoBridgeStore } from '../../functions/infra/dynamo-bridge-store';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynamo/embedded-dynamo';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const LATER = new Date('2026-01-02T04:00:00.000Z');

function bridge(id: string, channel = 'room-7'): Bridge {
  return {
    id,
    channels: [{ provider: 'gitple', channel, direction: 'inout', mode: 'message' }],
    senderFormat: '[{provider}] {sender}: {text}',
    relay: ['chat.message.created'],
  };
}

let dynamo: EmbeddedDynamo;
let tableCount = 0;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamo({ tablePrefix: `bridges-${process.pid}` });
});
afterAll(() => dynamo.close());

/** Each case on a fresh table: the same behaviour is asked of both implementations. */
const implementations: [string, () => Promise<BridgeStore>][] = [
  ['memory', async () => new MemoryBridgeStore()],
  [
    'dynamodb',
    async () => {
      const { CreateTableCommand, waitUntilTableExists } = await import('@aws-sdk/client-dynamodb');
      const { createTableInput } = await import('../../local/dynamo/embedded-dynamo');
      const { BRIDGES_TABLE } = await import('../../functions/definitions/tables');
      const name = `bridges-contract-${process.pid}-${(tableCount += 1)}`;
      await dynamo.client.send(new CreateTableCommand(createTableInput(BRIDGES_TABLE, name)));
      // dynalite turns a new table ACTIVE on a later tick: a write before that is refused.
      await waitUntilTableExists(
        { client: dynamo.client, minDelay: 0.05, maxWaitTime: 10 },
        { TableName: name },
      );
      return new DynamoBridgeStore(dynamo.client, name);
    },
  ],
];

describe.each(implementations)('BridgeStore contract: %s', (_name, makeStore) => {
  it('creates once: a second create of the same id is refused and the first stays', async () => {
    const store = await makeStore();
    const first = await store.create({ bridge: bridge('a'), origin: 'rule', ruleId: 'r' }, NOW);
    const second = await store.create({ bridge: bridge('a', 'room-8'), origin: 'api' }, NOW);

    expect(first).toMatchObject({ version: 1, origin: 'rule', ruleId: 'r', status: 'open' });
    expect(second).toBeUndefined();
    expect((await store.get('a'))?.bridge.channels[0]?.channel).toBe('room-7');
  });

  it('concurrent creates of one id have exactly one winner', async () => {
    const store = await makeStore();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => store.create({ bridge: bridge('a'), origin: 'rule' }, NOW)),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it('replaces only at the expected version, and every write advances the revision', async () => {
    const store = await makeStore();
    const before = await store.revision();
    await store.create({ bridge: bridge('a'), origin: 'api' }, NOW);
    const replaced = await store.replace(bridge('a', 'room-8'), 1, LATER);
    const stale = await store.replace(bridge('a', 'room-9'), 1, LATER);
    const missing = await store.replace(bridge('nope'), 1, LATER);

    expect(replaced).toMatchObject({ replaced: { version: 2, updatedAt: LATER.toISOString() } });
    expect(stale).toEqual({ refused: 'stale' });
    expect(missing).toEqual({ refused: 'missing' });
    expect(await store.revision()).toBe(before + 2);
  });

  it('deletes to a tombstone that an API create may reuse but a rule create may not', async () => {
    const store = await makeStore();
    await store.create({ bridge: bridge('a'), origin: 'api' }, NOW);
    expect(await store.remove('a', 9, LATER)).toBe('stale');
    expect(await store.remove('a', 1, LATER)).toBe('deleted');
    expect(await store.remove('a', undefined, LATER)).toBe('missing');
    expect(await store.create({ bridge: bridge('a'), origin: 'rule' }, LATER)).toBeUndefined();
    const again = await store.create({ bridge: bridge('a'), origin: 'api' }, LATER, {
      overTombstone: true,
    });
    expect(again).toMatchObject({ version: 3, status: 'open' });
  });

  it('closes an open bridge once', async () => {
    const store = await makeStore();
    await store.create({ bridge: bridge('a'), origin: 'rule' }, NOW);
    expect(await store.close('a', LATER)).toBe(true);
    expect(await store.close('a', LATER)).toBe(false);
    expect(await store.close('b', LATER)).toBe(false);
    expect(await store.get('a')).toMatchObject({ status: 'closed', version: 2 });
  });

  it('seeding keeps an operator change until the file version of the bridge changes', async () => {
    const store = await makeStore();
    expect(await store.seed(bridge('a'), 'hash-1', NOW)).toBe('written');
    const operated = await store.replace(bridge('a', 'room-8'), 1, LATER);
    expect(operated).toMatchObject({ replaced: { origin: 'api' } });

    expect(await store.seed(bridge('a'), 'hash-1', LATER)).toBe('kept');
    expect((await store.get('a'))?.bridge.channels[0]?.channel).toBe('room-8');

    expect(await store.seed(bridge('a', 'room-9'), 'hash-2', LATER)).toBe('written');
    expect(await store.get('a')).toMatchObject({
      origin: 'file',
      version: 3,
      createdAt: NOW.toISOString(),
    });
  });

  it('seeding does not bring back a file bridge an operator deleted', async () => {
    const store = await makeStore();
    await store.seed(bridge('a'), 'hash-1', NOW);
    await store.remove('a', undefined, LATER);
    expect(await store.seed(bridge('a'), 'hash-1', LATER)).toBe('kept');
    expect((await store.get('a'))?.status).toBe('deleted');
  });

  it('lists every bridge with its record, never the revision item', async () => {
    const store = await makeStore();
    await store.seed(bridge('a'), 'h', NOW);
    await store.create({ bridge: bridge('b', 'room-8'), origin: 'api' }, NOW);
    const listed = await store.list();
    expect(listed.map((r) => [r.bridge.id, r.origin]).sort()).toEqual([
      ['a', 'file'],
      ['b', 'api'],
    ]);
  });
});
