import { beforeEach, describe, expect, it } from 'vitest';
import {
  frameEcho,
  handleClientAction,
  parseClientFrame,
  sendSequence,
  toErrorFrame,
  type ClientActionDeps,
  type ServerFrame,
} from '../../functions/core/client-actions';
import type { ConnectionInfo } from '../../functions/core/connections';
import { createLogger } from '../../functions/core/log';
import { MemoryConnectionStore, MemoryEventStore } from '../../functions/core/memory';
import { memoryMetrics } from '../../functions/infra/emf-metrics';
import { TEST_BRIDGES } from '../support/bridges';

describe('WebSocket client actions', () => {
  let frames: ServerFrame[];
  let connections: MemoryConnectionStore;
  let base: Omit<ClientActionDeps, 'connections' | 'reply'>;
  const alice: ConnectionInfo = {
    connectionId: 'conn-a',
    sub: 'alice',
    name: 'Alice',
    connectedAt: '2026-01-01T00:00:00.000Z',
  };

  const act = async (raw: string, who: ConnectionInfo = alice) => {
    try {
      await handleClientAction(who, parseClientFrame(raw), {
        ...base,
        connections,
        reply: async (frame) => void frames.push(frame),
      });
    } catch (error) {
      frames.push(toErrorFrame(error, frameEcho(raw)));
    }
  };

  beforeEach(async () => {
    frames = [];
    // Every write a millisecond later: store order is send order, as it is on a real clock.
    let clock = Date.parse('2026-01-01T00:00:00.000Z');
    base = {
      store: new MemoryEventStore(() => clock++),
      bridges: TEST_BRIDGES,
      botIdentities: { of: async () => [] },
      metrics: memoryMetrics(),
      log: createLogger({}, { sink: () => {} }),
    };
    connections = new MemoryConnectionStore();
    await connections.connect(alice);
  });

  it('answers ping with pong', async () => {
    await act('{"action":"ping"}');
    expect(frames).toEqual([{ type: 'pong' }]);
  });

  it('subscribes to a bridge, saying where the subscription starts (the settle horizon)', async () => {
    base.now = () => Date.parse('2026-01-01T00:01:00.000Z');
    await act('{"action":"subscribe","bridge":"support"}');

    const horizon = Date.parse('2026-01-01T00:00:45.000Z'); // 15 s before now
    expect(frames).toEqual([
      {
        type: 'subscribed',
        bridge: 'support',
        cursor: Buffer.from(`${String(horizon).padStart(13, '0')}#~`).toString('base64url'),
      },
    ]);
    expect(await connections.subscriptions('support')).toEqual([
      { connectionId: 'conn-a', sub: 'alice', deliveries: false },
    ]);
  });

  it('keeps the wish for every delivery frame with the subscription, and a later subscribe changes it', async () => {
    await act('{"action":"subscribe","bridge":"support","deliveries":true}');
    const watching = await connections.subscriptions('support');
    await act('{"action":"subscribe","bridge":"support"}');

    expect(watching).toEqual([{ connectionId: 'conn-a', sub: 'alice', deliveries: true }]);
    expect(await connections.subscriptions('support')).toEqual([
      { connectionId: 'conn-a', sub: 'alice', deliveries: false },
    ]);
  });

  it('acks a send with the event id and stores it once when the client resends', async () => {
    const frame = '{"action":"send","bridge":"support","text":"hi 👋","clientMessageId":"c-1"}';

    await act(frame);
    await act(frame);

    const [first, second] = frames as Extract<ServerFrame, { type: 'ack' }>[];
    expect(first).toMatchObject({ type: 'ack', clientMessageId: 'c-1', duplicate: false });
    expect(second).toEqual({ ...first, duplicate: true });
    const page = await base.store.listEvents('support', { limit: 10 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.event).toMatchObject({
      id: first?.eventId,
      source: 'chat-bridge/web',
      data: {
        provider: 'web',
        channel: { id: 'support' },
        sender: { id: 'alice', displayName: 'Alice' },
        message: { text: 'hi 👋' },
      },
    });
  });

  it('replays exactly the events after the cursor on subscribe, marked, then says it caught up', async () => {
    for (const id of ['m1', 'm2', 'm3']) {
      await act(`{"action":"send","bridge":"support","text":"${id}","clientMessageId":"${id}"}`);
    }
    const page = await base.store.listEvents('support', { limit: 10 });
    const afterFirst = page.items[0]!.cursor;
    frames = [];

    await act(`{"action":"subscribe","bridge":"support","after":"${afterFirst}"}`);

    expect(
      frames.map((f) =>
        f.type === 'event'
          ? (f.event as { data: { message: { text: string } } }).data.message.text
          : f.type,
      ),
    ).toEqual(['subscribed', 'm2', 'm3', 'caught-up']);
    expect(frames.filter((f) => f.type === 'event').every((f) => f.catchUp)).toBe(true);
  });

  it('tells a client where to continue when catch-up reaches its limit', async () => {
    for (const id of ['m1', 'm2', 'm3', 'm4']) {
      await act(`{"action":"send","bridge":"support","text":"${id}","clientMessageId":"${id}"}`);
    }
    const first = (await base.store.listEvents('support', { limit: 1 })).items[0]!;
    frames = [];

    await handleClientAction(
      alice,
      parseClientFrame(`{"action":"subscribe","bridge":"support","after":"${first.cursor}"}`),
      {
        ...base,
        connections,
        catchUpLimit: 2,
        reply: async (frame) => void frames.push(frame),
      },
    );

    const texts = frames.flatMap((f) =>
      f.type === 'event'
        ? [(f.event as { data: { message: { text: string } } }).data.message.text]
        : [],
    );
    expect(texts).toEqual(['m2', 'm3']);
    const truncated = frames.at(-1) as Extract<ServerFrame, { type: 'catch-up-truncated' }>;
    expect(truncated).toMatchObject({ type: 'catch-up-truncated', bridge: 'support' });
    const rest = await base.store.listEvents('support', {
      after: truncated.next,
      limit: 10,
    });
    expect(rest.items.map((i) => (i.event.data.message as { text: string }).text)).toEqual(['m4']);
  });

  it.each([
    ['not json', 'invalid-payload', 'not valid JSON'],
    ['{"action":"dance"}', 'invalid-payload', 'unknown action'],
    [
      '{"action":"send","bridge":"support","text":"","clientMessageId":"x"}',
      'invalid-payload',
      'text',
    ],
    ['{"action":"subscribe","bridge":"nope"}', 'not-found', 'unknown bridge'],
  ])('answers the bad frame %s with an error frame', async (raw, code, message) => {
    await act(raw);

    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ type: 'error', code });
    expect((frames[0] as { message: string }).message).toContain(message);
  });

  it('refuses a subscribe with a bad cursor: one error frame, no subscribed, no subscription', async () => {
    await act('{"action":"subscribe","bridge":"support","after":"not-a-cursor"}');

    expect(frames).toEqual([
      {
        type: 'error',
        code: 'invalid-payload',
        action: 'subscribe',
        message: expect.stringContaining('after is not a cursor this bridge issued'),
      },
    ]);
    expect(await connections.subscribers('support')).toEqual([]);
  });

  it('echoes the action and clientMessageId of the frame an error answers', async () => {
    await act('{"action":"send","bridge":"nope","text":"hi","clientMessageId":"m-7"}');
    await act('{"action":"send","bridge":"support","text":"","clientMessageId":"m-8"}');

    expect(frames).toEqual([
      {
        type: 'error',
        code: 'not-found',
        message: 'unknown bridge "nope"',
        action: 'send',
        clientMessageId: 'm-7',
      },
      {
        type: 'error',
        code: 'invalid-payload',
        message: 'text is empty',
        action: 'send',
        clientMessageId: 'm-8',
      },
    ]);
  });

  it("takes a send's seq when it is a whole number from 1, and keeps it from a frame that fails", async () => {
    const send = (seq: unknown) =>
      JSON.stringify({ action: 'send', bridge: 'support', text: 'hi', clientMessageId: 'm', seq });
    for (const bad of [0, -1, 1.5, '2', 2 ** 53]) {
      expect(() => parseClientFrame(send(bad))).toThrow(
        'seq must be a whole number from 1, one more for each send on this connection',
      );
    }
    expect(parseClientFrame(send(3))).toMatchObject({ seq: 3 });
    // The gate keeps a failing frame's place: its seq is read without the rest of it.
    expect(sendSequence('{"action":"send","bridge":"support","text":"","seq":4}')).toBe(4);
    expect(sendSequence('{"action":"ping","seq":4}')).toBeUndefined();
    expect(sendSequence('{"action":"send","seq":"4"}')).toBeUndefined();
    expect(sendSequence('not json')).toBeUndefined();
  });

  it('refuses a bridge the token does not allow', async () => {
    const bob: ConnectionInfo = {
      connectionId: 'conn-b',
      sub: 'bob',
      bridges: ['other'],
      connectedAt: alice.connectedAt,
    };

    await act('{"action":"send","bridge":"support","text":"x","clientMessageId":"1"}', bob);

    expect(frames[0]).toMatchObject({ type: 'error', code: 'forbidden' });
    expect((await base.store.listEvents('support', { limit: 1 })).items).toHaveLength(0);
  });
});
