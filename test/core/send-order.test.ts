import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/core/log';
import { MemorySendOrderStore } from '../../functions/core/memory';
import {
  inClientSequence,
  inSendOrder,
  LearnedGrace,
  type SendOrderOptions,
  type SendOrderStore,
  type SendTicket,
} from '../../functions/core/send-order';
import { DynamoSendOrderStore } from '../../functions/infra/dynamo-send-order';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynamo/embedded-dynamo';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const quiet = createLogger({}, { sink: () => undefined });

let dynamo: EmbeddedDynamo;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamo({ tablePrefix: `send-order-${process.pid}-${Date.now()}` });
});
afterAll(() => dynamo.close());

const STORES: [string, () => SendOrderStore][] = [
  ['in memory', () => new MemorySendOrderStore()],
  [
    'DynamoDB (dynalite)',
    () => new DynamoSendOrderStore(dynamo.client, dynamo.tableNames.STATE_TABLE!),
  ],
];

describe.each(STORES)('the send order gate (%s)', (_name, makeStore) => {
  const options: SendOrderOptions = {
    graceMs: 40,
    pollMs: 5,
    maxWaitMs: 2000,
    abandonAfterMs: 30_000,
  };

  it('stores quick sends of one connection in gateway order, whatever order their invocations run in', async () => {
    // Prepare: five frames 1 ms apart whose invocations start in reverse order, the first
    // one last, and whose stores take different times.
    const gate = makeStore();
    const connectionId = `c-${Math.random().toString(36).slice(2)}`;
    const base = Date.now();
    const tickets: SendTicket[] = [0, 1, 2, 3, 4].map((i) => ({
      connectionId,
      receivedAt: base + i,
      requestId: `req-${i}`,
    }));
    const stored: number[] = [];

    // Act
    await Promise.all(
      tickets.map(async (ticket, i) => {
        await delay((4 - i) * 4);
        await inSendOrder(
          ticket,
          gate,
          async () => {
            await delay(i % 2 === 0 ? 15 : 1);
            stored.push(i);
          },
          { log: quiet, options },
        );
      }),
    );

    // Assess
    expect(stored).toEqual([0, 1, 2, 3, 4]);
  });

  it('does not wait for other connections, nor for a registration its invocation abandoned', async () => {
    // Prepare: an earlier send registered long ago and never released (its invocation died).
    const gate = makeStore();
    const connectionId = `c-${Math.random().toString(36).slice(2)}`;
    const now = Date.now();
    await gate.register({ connectionId, receivedAt: now - 5, requestId: 'dead' });
    await gate.register({
      connectionId: `${connectionId}-other`,
      receivedAt: now - 3,
      requestId: 'x',
    });
    const started = Date.now();

    // Act
    const result = await inSendOrder(
      { connectionId, receivedAt: now, requestId: 'live' },
      gate,
      async () => 'stored',
      // Every registration counts as abandoned once it is older than 1 ms.
      { log: quiet, options: { ...options, abandonAfterMs: 1 } },
    );

    // Assess
    expect(result).toBe('stored');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stores anyway after its longest wait when an earlier send never finishes', async () => {
    // Prepare
    const gate = makeStore();
    const connectionId = `c-${Math.random().toString(36).slice(2)}`;
    const now = Date.now();
    await gate.register({ connectionId, receivedAt: now - 1, requestId: 'stuck' });
    const started = Date.now();

    // Act
    await inSendOrder(
      { connectionId, receivedAt: now, requestId: 'next' },
      gate,
      async () => undefined,
      { log: quiet, options: { ...options, maxWaitMs: 150 } },
    );

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("with the client's seq, handles sends in that order, whatever order their invocations run in", async () => {
    // Prepare: five numbered frames whose invocations start in reverse order, the first last.
    const gate = makeStore();
    const connectionId = `c-${Math.random().toString(36).slice(2)}`;
    const handled: number[] = [];

    // Act
    await Promise.all(
      [1, 2, 3, 4, 5].map(async (seq) => {
        await delay((5 - seq) * 4);
        await inClientSequence(
          connectionId,
          seq,
          gate,
          async () => {
            await delay(seq % 2 === 0 ? 1 : 15);
            handled.push(seq);
          },
          { log: quiet, options },
        );
      }),
    );

    // Assess
    expect(handled).toEqual([1, 2, 3, 4, 5]);
    expect(await gate.sequencedThrough(connectionId)).toBe(5);
  });

  it('with seq, never waits for the first send nor after a predecessor that failed', async () => {
    // Prepare: a clock that only moves when the gate sleeps, and a record of every sleep.
    const gate = makeStore();
    const connectionId = `c-${Math.random().toString(36).slice(2)}`;
    const sleeps: number[] = [];
    const counted: SendOrderOptions = { ...options, sleep: async (ms) => void sleeps.push(ms) };

    // Act: frame 1 fails in its handling; frame 2 comes after it.
    const first = inClientSequence(
      connectionId,
      1,
      gate,
      async () => {
        throw new Error('not allowed in bridge');
      },
      { log: quiet, options: counted },
    );
    await expect(first).rejects.toThrow('not allowed');
    const second = await inClientSequence(connectionId, 2, gate, async () => 'stored', {
      log: quiet,
      options: counted,
    });

    // Assess
    expect(second).toBe('stored');
    expect(sleeps).toEqual([]);
  });

  it('with seq, handles a send anyway once its longest wait for a missing predecessor is over', async () => {
    // Prepare: frame 3 arrives, frames 1 and 2 never do; the clock moves only by the sleeps.
    const gate = makeStore();
    const connectionId = `c-${Math.random().toString(36).slice(2)}`;
    let clock = 0;
    const warnings: string[] = [];
    const log = createLogger({}, { sink: (line) => warnings.push(line) });

    // Act
    const result = await inClientSequence(connectionId, 3, gate, async () => 'stored', {
      log,
      options: {
        ...options,
        maxWaitMs: 100,
        now: () => clock,
        sleep: async (ms) => void (clock += ms),
      },
    });

    // Assess
    expect(result).toBe('stored');
    expect(clock).toBeGreaterThanOrEqual(100);
    expect(warnings.join('\n')).toContain('the frame before this send never came');
    expect(await gate.sequencedThrough(connectionId)).toBe(3);
    await gate.markSequenced(connectionId, 2);
    expect(await gate.sequencedThrough(connectionId)).toBe(3);
  });
});

describe('the grace an unnumbered send waits, learned from how late sends register', () => {
  it('is the whole configured grace until a lag is seen, then twice the slowest lag, within its bounds', () => {
    // Prepare
    const grace = new LearnedGrace({ window: 4, factor: 2, floorMs: 5 });

    // Act + Assess: nothing learned yet, then the floor, twice the lag, and the cap.
    expect(grace.graceMs(50)).toBe(50);
    grace.observe(1);
    expect(grace.graceMs(50)).toBe(5);
    grace.observe(12);
    expect(grace.graceMs(50)).toBe(24);
    grace.observe(40);
    expect(grace.graceMs(50)).toBe(50);
    // A gateway clock ahead of the function's gives a negative lag: it counts as none.
    grace.observe(-3);
    // Once the slow ones leave the window of the last four, the grace comes down again.
    for (let i = 0; i < 3; i += 1) grace.observe(2);
    expect(grace.graceMs(50)).toBe(5);
  });

  it('waits 5 ms after the gateway time while sends register within 2 ms, and longer after a slow one', async () => {
    // Prepare: a clock that moves by each registration's lag and by each sleep.
    let clock = 1_000_000;
    let registerMs = 2;
    const sleeps: number[] = [];
    const store = new MemorySendOrderStore();
    const gate: SendOrderStore = {
      ...store,
      register: async (ticket) => {
        clock += registerMs;
        await store.register(ticket);
      },
      earlierInProgress: (ticket, since) => store.earlierInProgress(ticket, since),
      release: (ticket) => store.release(ticket),
      sequencedThrough: (id) => store.sequencedThrough(id),
      markSequenced: (id, seq) => store.markSequenced(id, seq),
    };
    const options: SendOrderOptions = {
      graceMs: 50,
      pollMs: 5,
      maxWaitMs: 2000,
      abandonAfterMs: 30_000,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    };
    const grace = new LearnedGrace();
    const send = (i: number) =>
      inSendOrder(
        { connectionId: 'c-1', receivedAt: clock, requestId: `r-${i}` },
        gate,
        async () => i,
        { log: quiet, options, grace },
      );

    // Act: a quick send, one that took 30 ms to register, then a quick one again.
    await send(1);
    registerMs = 30;
    await send(2);
    registerMs = 2;
    await send(3);

    // Assess: 5 ms after the gateway time, then 45 ms (1.5 x 30) for as long as the slow
    // registration is among the last 32.
    expect(sleeps).toEqual([3, 15, 43]);
  });
});
