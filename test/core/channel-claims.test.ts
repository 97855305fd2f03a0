import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bridge, Direction } from '../../functions/core/bridges';
import type { BridgeRecord, BridgeStore } from '../../functions/core/bridge-store';
import {
  CLAIM_LEASE_MS,
  ChannelClaims,
  readChannels,
  type ClaimedWrite,
} from '../../functions/core/channel-claims';
import { ServiceUnavailableError } from '../../functions/core/errors';
import { createLogger } from '../../functions/core/log';
import { MemoryBridgeStore } from '../../functions/core/memory-bridge-store';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const room = (n: number) => ({ provider: 'gitple', channel: `room-${n}` });

function bridge(id: string, rooms: number[], direction: Direction = 'inout'): Bridge {
  return {
    id,
    channels: rooms.map((n) => ({ ...room(n), direction, mode: 'message' as const })),
    senderFormat: '{text}',
    relay: ['chat.message.created'],
  };
}

function setup(store: BridgeStore = new MemoryBridgeStore()) {
  let clock = NOW.getTime();
  const logs: string[] = [];
  const claims = new ChannelClaims(store, {
    now: () => new Date(clock),
    log: createLogger({}, { sink: (line) => logs.push(line) }),
  });
  const create = (b: Bridge) =>
    claims.write(b, undefined, () => store.create({ bridge: b, origin: 'api' }, NOW));
  const replace = (b: Bridge, previous: BridgeRecord) =>
    claims.write(b, previous.bridge, async () => {
      const outcome = await store.replace(b, previous.version, NOW);
      return 'replaced' in outcome ? outcome.replaced : undefined;
    });
  return { store, claims, logs, create, replace, advance: (ms: number) => (clock += ms) };
}

const written = (outcome: ClaimedWrite) => ('written' in outcome ? outcome.written : undefined);

/**
 * What must hold whatever happened: no channel is read by two open bridges, every channel an
 * open bridge reads is claimed by it, and no writer is left in any claim.
 */
async function expectConsistent(store: BridgeStore, rooms: number[]) {
  const open = (await store.list()).filter((r) => r.status === 'open');
  for (const n of rooms) {
    const readers = open.filter((r) =>
      readChannels(r.bridge).some((c) => c.channel === `room-${n}`),
    );
    expect(readers.length, `room-${n} read by ${readers.map((r) => r.bridge.id)}`).toBeLessThan(2);
    const claim = await store.readClaim(room(n));
    if (readers[0]) expect(claim?.bridgeId, `room-${n}'s claim`).toBe(readers[0].bridge.id);
    expect(claim?.writers ?? []).toEqual([]);
  }
}

describe('ChannelClaims: a channel that is read belongs to one bridge', () => {
  it('of two bridges racing for one channel, one is written and the other told who holds it', async () => {
    // Prepare
    const { store, create } = setup();

    // Act
    const [a, b] = await Promise.all([create(bridge('a', [1])), create(bridge('b', [1]))]);

    // Assess
    const outcomes = [a, b].map((o) => ('written' in o ? 'written' : 'taken' in o ? 'taken' : ''));
    expect(outcomes.sort()).toEqual(['taken', 'written']);
    const winner = written(a) ?? written(b);
    const loser = 'taken' in a ? a.taken : 'taken' in b ? b.taken : undefined;
    expect(loser).toMatchObject({ provider: 'gitple', channel: 'room-1', index: 0 });
    expect(loser?.owner).toBe(winner?.bridge.id);
    expect(await store.list()).toHaveLength(1);
    await expectConsistent(store, [1]);
  });

  it('claims nothing for out-only channels: many bridges may write to one room', async () => {
    const { store, create } = setup();

    const outcomes = await Promise.all(['a', 'b', 'c'].map((id) => create(bridge(id, [7], 'out'))));

    expect(outcomes.every((o) => 'written' in o)).toBe(true);
    expect(await store.readClaim(room(7))).toBeUndefined();
  });

  it('a replace claims the channels it adds and frees the ones it drops', async () => {
    // Prepare
    const { store, create, replace } = setup();
    const first = written(await create(bridge('a', [1, 2])))!;

    // Act
    const second = await replace(bridge('a', [2, 3]), first);
    const other = await create(bridge('b', [1]));

    // Assess
    expect(written(second)?.version).toBe(2);
    expect(written(other)?.bridge.id).toBe('b');
    expect((await store.readClaim(room(2)))?.bridgeId).toBe('a');
    expect((await store.readClaim(room(3)))?.bridgeId).toBe('a');
    await expectConsistent(store, [1, 2, 3]);
  });

  it('frees what a refused write claimed, and keeps what the bridge that won still reads', async () => {
    // Prepare: two creates of one id with different channels, one after the other.
    const { store, create } = setup();
    await create(bridge('a', [1]));

    // Act
    const refused = await create(bridge('a', [1, 2]));

    // Assess
    expect(refused).toEqual({ refused: true });
    expect(await store.readClaim(room(2))).toBeUndefined();
    expect((await store.readClaim(room(1)))?.bridgeId).toBe('a');
    await expectConsistent(store, [1, 2]);
  });

  it('release after a close or delete frees every channel the bridge read', async () => {
    const { store, claims, create } = setup();
    await create(bridge('a', [1, 2]));
    await create(bridge('b', [3]));

    await claims.release((await store.close('a', NOW))!);
    const removed = await store.remove('b', undefined, NOW);
    await claims.release((removed as { removed: BridgeRecord }).removed);

    for (const n of [1, 2, 3]) expect(await store.readClaim(room(n))).toBeUndefined();
  });

  it('never frees a claim a write in flight relies on, even one the bridge does not read yet', async () => {
    // Prepare: `a` is closed, and a new write of `a` with room-1 has joined the claim already.
    const { store, claims, create } = setup();
    await create(bridge('a', [1]));
    const closed = (await store.close('a', NOW))!;
    await store.claim(room(1), 'a', 'writer-in-flight', NOW.getTime());

    // Act: the close's release comes late.
    await claims.release(closed);

    // Assess
    expect(await store.readClaim(room(1))).toMatchObject({
      bridgeId: 'a',
      writers: ['writer-in-flight'],
    });
  });

  it('the channel fought over first decides: overlapping bridges never both lose', async () => {
    // Prepare: listed in opposite orders, each would take its first channel and find the
    // other holding its second; claims go in one global order instead.
    const { store, create } = setup();

    // Act
    const outcomes = await Promise.all([create(bridge('a', [1, 2])), create(bridge('b', [2, 1]))]);

    // Assess
    expect(outcomes.filter((o) => 'written' in o)).toHaveLength(1);
    await expectConsistent(store, [1, 2, 3]);
  });
});

describe('ChannelClaims after a crash: nothing stays claimed by nobody', () => {
  it('a writer that died between its claim and its bridge write holds the channel for the lease only', async () => {
    // Prepare: a claim whose writer never wrote its bridge and never left.
    const { store, create, logs, advance } = setup();
    await store.claim(room(1), 'ghost', 'dead-writer', NOW.getTime());

    // Act
    const within = await create(bridge('a', [1]));
    advance(CLAIM_LEASE_MS + 1);
    const after = await create(bridge('a', [1]));

    // Assess
    expect(within).toMatchObject({ taken: { owner: 'ghost' } });
    expect(written(after)?.bridge.id).toBe('a');
    expect(await store.readClaim(room(1))).toMatchObject({ bridgeId: 'a', writers: [] });
    expect(logs.join('\n')).toContain('took over a stale channel claim');
  });

  it('a writer that died after its bridge write still holds the channel through its bridge', async () => {
    // Prepare: the bridge was written; its writer died before leaving the claim.
    const { store, create, advance } = setup();
    await store.claim(room(1), 'a', 'dead-writer', NOW.getTime());
    await store.create({ bridge: bridge('a', [1]), origin: 'api' }, NOW);
    advance(CLAIM_LEASE_MS * 10);

    // Act
    const other = await create(bridge('b', [1]));

    // Assess
    expect(other).toMatchObject({ taken: { owner: 'a' } });
  });

  it('a claim whose bridge dropped the channel (its release lost) is taken at once', async () => {
    // Prepare: `a` no longer reads room-1, but its claim stayed.
    const { store, create } = setup();
    const first = written(await create(bridge('a', [1])))!;
    await store.replace(bridge('a', [2]), first.version, NOW);

    // Act
    const other = await create(bridge('b', [1]));

    // Assess
    expect(written(other)?.bridge.id).toBe('b');
  });

  it('a writer over its budget writes nothing and frees what it claimed', async () => {
    // Prepare: the clock jumps while the first claim is being made.
    const store = new MemoryBridgeStore();
    let clock = NOW.getTime();
    const claims = new ChannelClaims(store, { now: () => new Date(clock), budgetMs: 1000 });
    const slow = new Proxy(store, {
      get(target, name) {
        if (name === 'claim') {
          return async (...args: Parameters<BridgeStore['claim']>) => {
            clock += 1001;
            return target.claim(...args);
          };
        }
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const slowClaims = new ChannelClaims(slow, { now: () => new Date(clock), budgetMs: 1000 });
    let wrote = false;

    // Act
    const refused = await slowClaims
      .write(bridge('a', [1]), undefined, async () => {
        wrote = true;
        return undefined;
      })
      .catch((e: unknown) => e);
    const other = await claims.write(bridge('b', [1]), undefined, () =>
      store.create({ bridge: bridge('b', [1]), origin: 'api' }, NOW),
    );

    // Assess
    expect(refused).toBeInstanceOf(ServiceUnavailableError);
    expect(wrote).toBe(false);
    expect(written(other)?.bridge.id).toBe('b');
  });
});

/**
 * The store with each call run when fast-check's scheduler says: every interleaving is fair
 * game. After every call that wrote, `afterWrite` checks the table as it is at that moment.
 */
function scheduled(
  store: BridgeStore,
  s: fc.Scheduler,
  afterWrite: () => Promise<void> = async () => undefined,
): BridgeStore {
  const wrapped = Object.create(store) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(MemoryBridgeStore.prototype)) {
    const method = (store as unknown as Record<string, unknown>)[name];
    if (name === 'constructor' || typeof method !== 'function') continue;
    const reads = ['list', 'get', 'revision', 'readClaim'].includes(name);
    wrapped[name] = s.scheduleFunction(async (...args: unknown[]) => {
      const result: unknown = await (method as (...a: unknown[]) => unknown).apply(store, args);
      if (!reads) await afterWrite();
      return result;
    });
  }
  return wrapped as unknown as BridgeStore;
}

/** No channel is read by two open bridges: checked after every write, not only at the end. */
async function expectOneReaderEach(store: BridgeStore, rooms: number[]) {
  const open = (await store.list()).filter((r) => r.status === 'open');
  for (const n of rooms) {
    const readers = open.filter((r) =>
      readChannels(r.bridge).some((c) => c.channel === `room-${n}`),
    );
    if (readers.length > 1) {
      throw new Error(`room-${n} read by ${readers.map((r) => r.bridge.id).join(' and ')}`);
    }
  }
}

type Op =
  { kind: 'create' | 'replace'; id: string; rooms: number[] } | { kind: 'delete'; id: string };

/**
 * Run the ops concurrently through claims on a scheduled store (x reads room-1 and y room-2
 * to begin with), checking after every write that no channel has two readers; then check
 * that the claims match the bridges.
 */
async function runInterleaved(s: fc.Scheduler, ops: readonly Op[], rooms: number[]) {
  // Prepare: x reads room-1, y reads room-2, written without the scheduler.
  const memory = new MemoryBridgeStore();
  const plain = setup(memory);
  await plain.create(bridge('x', [1]));
  await plain.create(bridge('y', [2]));
  const store = scheduled(memory, s, () => expectOneReaderEach(memory, rooms));
  const { claims } = setup(store);

  // Act
  const runs = ops.map(async (o) => {
    if (o.kind === 'delete') {
      const outcome = await store.remove(o.id, undefined, NOW);
      if ('removed' in outcome) await claims.release(outcome.removed);
      return undefined;
    }
    const b = bridge(o.id, o.rooms);
    const previous = await store.get(o.id);
    return claims.write(b, previous?.status === 'open' ? previous.bridge : undefined, async () => {
      if (o.kind === 'create') return store.create({ bridge: b, origin: 'api' }, NOW);
      if (previous?.status !== 'open') return undefined;
      const r = await store.replace(b, previous.version, NOW);
      return 'replaced' in r ? r.replaced : undefined;
    });
  });
  const outcomes = await s.waitFor(Promise.all(runs));

  // Assess
  await expectConsistent(memory, rooms);
  return outcomes;
}

describe('ChannelClaims under every interleaving (property)', () => {
  const ROOMS = [1, 2, 3, 4];
  const rooms = fc.uniqueArray(fc.constantFrom(...ROOMS), { minLength: 1, maxLength: 3 });

  it('no channel is ever read by two open bridges, each read channel is claimed by its bridge, and distinct creates never all lose', async () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('create' as const),
        id: fc.constantFrom('a', 'b', 'c'),
        rooms,
      }),
      fc.record({ kind: fc.constant('replace' as const), id: fc.constantFrom('x', 'y'), rooms }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom('x', 'y') }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(op, { minLength: 2, maxLength: 5 }),
        async (s, ops) => {
          const outcomes = await runInterleaved(s, ops, ROOMS);

          const creates = ops.filter(
            (o): o is Extract<Op, { rooms: number[] }> => o.kind === 'create',
          );
          const onlyDistinctCreates =
            creates.length === ops.length && new Set(creates.map((o) => o.id)).size === ops.length;
          const free = (o: (typeof creates)[number]) => o.rooms.every((n) => n > 2);
          if (onlyDistinctCreates && creates.some(free)) {
            expect(outcomes.some((o) => o !== undefined && 'written' in o)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('two writes of one bridge and a third party: freeing never drops a claim the other write joined', async () => {
    // x reads room-1 (y room-2). One write of x wants rooms 3 and 4, another room 3 alone, and
    // b wants room 4: the first may lose room 4 to b and free room 3 while the second write of
    // x has joined its claim, or be refused once the second lands; in every order, room 3
    // stays claimed for x whenever x reads it.
    const ops: Op[] = [
      { kind: 'replace', id: 'x', rooms: [3, 4] },
      { kind: 'replace', id: 'x', rooms: [3] },
      { kind: 'create', id: 'b', rooms: [4] },
    ];
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        await runInterleaved(s, ops, ROOMS);
      }),
      { numRuns: 300 },
    );
  });
});
