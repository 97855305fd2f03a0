import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../functions/core/bridges';
import type { BridgeStore } from '../../functions/core/bridge-store';
import { MemoryBridgeStore } from '../../functions/core/memory-bridge-store';
import { DynamoBridgeStore } from '../../functions/infra/dynamo-bridge-store';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynamo/embedded-dynamo';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const LATER = new Date('2026-01-02T04:00:00.000Z');
const AT = NOW.getTime();
const ROOM_8 = { provider: 'gitple', channel: 'room-8' };

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
    expect(await store.remove('a', 9, LATER)).toEqual({ refused: 'stale' });
    expect(await store.remove('a', 1, LATER)).toMatchObject({
      removed: { status: 'deleted', version: 2, bridge: bridge('a') },
    });
    expect(await store.remove('a', undefined, LATER)).toEqual({ refused: 'missing' });
    expect(await store.create({ bridge: bridge('a'), origin: 'rule' }, LATER)).toBeUndefined();
    const again = await store.create({ bridge: bridge('a'), origin: 'api' }, LATER, {
      overTombstone: true,
    });
    expect(again).toMatchObject({ version: 3, status: 'open' });
  });

  it('closes an open bridge once', async () => {
    const store = await makeStore();
    await store.create({ bridge: bridge('a'), origin: 'rule' }, NOW);
    expect(await store.close('a', LATER)).toMatchObject({ status: 'closed', bridge: bridge('a') });
    expect(await store.close('a', LATER)).toBeUndefined();
    expect(await store.close('b', LATER)).toBeUndefined();
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

  it('lists every bridge with its record, never the revision item nor a claim', async () => {
    const store = await makeStore();
    await store.seed(bridge('a'), 'h', NOW);
    await store.create({ bridge: bridge('b', 'room-8'), origin: 'api' }, NOW);
    await store.claim(ROOM_8, 'b', 'w1', AT);
    const listed = await store.list();
    expect(listed.map((r) => [r.bridge.id, r.origin]).sort()).toEqual([
      ['a', 'file'],
      ['b', 'api'],
    ]);
  });

  describe('channel claims', () => {
    it('a claim is held by one bridge: its writers join, another bridge is refused', async () => {
      const store = await makeStore();

      const first = await store.claim(ROOM_8, 'a', 'w1', AT);
      const joined = await store.claim(ROOM_8, 'a', 'w2', AT + 5);
      const other = await store.claim(ROOM_8, 'b', 'w3', AT + 6);

      expect(first).toMatchObject({ bridgeId: 'a', writers: ['w1'], claimedAt: AT });
      expect(joined).toMatchObject({ bridgeId: 'a', claimedAt: AT + 5 });
      expect(joined!.writers.sort()).toEqual(['w1', 'w2']);
      expect(joined!.seq).toBeGreaterThan(first!.seq);
      expect(other).toBeUndefined();
      expect(await store.readClaim(ROOM_8)).toEqual(joined);
      expect(await store.readClaim({ provider: 'gitple', channel: 'room-9' })).toBeUndefined();
    });

    it('concurrent claims of one channel by different bridges have exactly one winner', async () => {
      const store = await makeStore();

      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.claim(ROOM_8, `b${i}`, `w${i}`, AT)),
      );

      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect((await store.readClaim(ROOM_8))?.bridgeId).toBe(winners[0]!.bridgeId);
    });

    it('writers leave one by one; leaving twice says the writer was not there', async () => {
      const store = await makeStore();
      await store.claim(ROOM_8, 'a', 'w1', AT);
      await store.claim(ROOM_8, 'a', 'w2', AT);

      const afterOne = await store.leave(ROOM_8, 'w1');
      const afterBoth = await store.leave(ROOM_8, 'w2');
      const again = await store.leave(ROOM_8, 'w2');

      expect(afterOne?.writers).toEqual(['w2']);
      expect(afterBoth).toMatchObject({ bridgeId: 'a', writers: [] });
      expect(again).toBeUndefined();
      expect(await store.readClaim(ROOM_8)).toMatchObject({ bridgeId: 'a', writers: [] });
    });

    it('takes over and releases only the claim exactly as it was seen', async () => {
      const store = await makeStore();
      const seen = (await store.claim(ROOM_8, 'a', 'w1', AT))!;
      await store.claim(ROOM_8, 'a', 'w2', AT);

      const staleTakeOver = await store.takeOver(ROOM_8, seen.seq, 'b', 'w3', AT + 1);
      const current = (await store.readClaim(ROOM_8))!;
      const takenOver = await store.takeOver(ROOM_8, current.seq, 'b', 'w3', AT + 1);
      const staleRelease = await store.release(ROOM_8, current.seq, LATER);
      const released = await store.release(ROOM_8, takenOver!.seq, LATER);

      expect(staleTakeOver).toBeUndefined();
      expect(takenOver).toMatchObject({ bridgeId: 'b', writers: ['w3'], claimedAt: AT + 1 });
      expect(staleRelease).toBe(false);
      expect(released).toBe(true);
      expect(await store.readClaim(ROOM_8)).toBeUndefined();
      expect(await store.leave(ROOM_8, 'w3')).toBeUndefined();
    });

    it('claims a channel whose id is longer than a DynamoDB key, apart from one that shares its start', async () => {
      // Pingstreams request ids have no published length limit; an operator may PUT one.
      const store = await makeStore();
      const long = (end: string) => ({
        provider: 'pingstreams',
        channel: `support-group-p-${'a'.repeat(3000)}${end}`,
      });

      const first = await store.claim(long('1'), 'a', 'w1', AT);
      const other = await store.claim(long('2'), 'b', 'w2', AT);
      const left = await store.leave(long('1'), 'w1');
      const released = await store.release(long('1'), left!.seq, LATER);

      expect(first).toMatchObject({ ...long('1'), bridgeId: 'a', writers: ['w1'] });
      expect(other).toMatchObject({ ...long('2'), bridgeId: 'b' });
      expect(released).toBe(true);
      expect(await store.readClaim(long('1'))).toBeUndefined();
      expect(await store.readClaim(long('2'))).toMatchObject({ bridgeId: 'b' });
    });

    it('a released channel is claimed afresh, its seq still growing (no seq is reused)', async () => {
      const store = await makeStore();
      const first = (await store.claim(ROOM_8, 'a', 'w1', AT))!;
      await store.release(ROOM_8, first.seq, LATER);

      const again = await store.claim(ROOM_8, 'b', 'w2', AT + 10);

      expect(again).toMatchObject({ bridgeId: 'b', writers: ['w2'], claimedAt: AT + 10 });
      expect(again!.seq).toBeGreaterThan(first.seq + 1);
      expect(await store.release(ROOM_8, first.seq, LATER)).toBe(false);
    });
  });
});
