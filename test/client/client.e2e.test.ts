import { afterEach, describe, expect, it } from 'vitest';
import { ChatBridgeClient, type ClientEvents } from '../../client/src';
import { eventually, temporaryFolder, type TestBridge } from '../local/local-bridge';
import { appToken, postGitple, startClientBridge, trackedWebSocket } from './client-world';

/**
 * The client library against the real local runtime: real WebSocket gateway, relay and store.
 * The network is cut by terminating the client's socket, which sends no close frame.
 */
describe('ChatBridgeClient on the local runtime', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function bridge(options: Parameters<typeof startClientBridge>[0] = {}) {
    const started = await startClientBridge(options);
    cleanups.push(() => started.close());
    return started;
  }

  function client(local: TestBridge, tracked = trackedWebSocket()) {
    let tokens = 0;
    const instance = new ChatBridgeClient({
      url: local.wsUrl,
      token: () => {
        tokens += 1;
        return appToken('alice');
      },
      WebSocket: tracked.WebSocket,
      backoff: { initialMs: 50, maxMs: 400 },
      sendTimeoutMs: 10_000,
    });
    const events: ClientEvents['event'][] = [];
    const states: string[] = [];
    instance.on('event', (e) => events.push(e));
    instance.on('state', (s) => states.push(s.state));
    cleanups.push(() => instance.close());
    return { instance, events, states, tracked, tokens: () => tokens };
  }

  const texts = (events: ClientEvents['event'][]) =>
    events.map((e) => e.event.data.message?.text ?? '');

  it('hands the app every event of a burst once and in order across a dropped connection', async () => {
    const local = await bridge();
    const app = client(local);
    app.instance.subscribe('support');
    app.instance.connect();
    await eventually('open', () => app.instance.connectionState === 'open');
    // Live pushes start once the subscription is stored: the server says so.
    await eventually('subscribed', () =>
      app.tracked.received.some((f) => f.includes('"type":"subscribed"')),
    );

    const expected = Array.from({ length: 50 }, (_, i) => `burst ${i + 1}`);
    for (const [index, text] of expected.entries()) {
      await postGitple(local.httpUrl, 5000 + index, text);
      // Cut the network mid-burst, once some events have reached the app.
      if (index === 24) {
        await eventually('some events before the cut', () => app.events.length >= 5);
        app.tracked.current()!.terminate();
      }
    }

    await eventually('all 50 events', () => app.events.length >= 50, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(texts(app.events)).toEqual(expected);
    expect(new Set(app.events.map((e) => e.event.id)).size).toBe(50);
    expect(app.tracked.sockets.length).toBeGreaterThanOrEqual(2);
    expect(app.tokens()).toBeGreaterThanOrEqual(2);
    // The reconnect resumed from a cursor: the runtime replayed what the app had not seen.
    const resubscribe = app.tracked.sent.filter((f) => f.includes('"subscribe"')).at(-1)!;
    expect(JSON.parse(resubscribe)).toMatchObject({ bridge: 'support', after: expect.any(String) });
    expect(app.states).toContain('reconnecting');
  });

  it('reconnects across a runtime restart on the same data folder and ports, and catches up', async () => {
    const folder = temporaryFolder();
    cleanups.push(() => folder.remove());
    const first = await startClientBridge({ dataDir: folder.path });
    const ports = {
      port: Number(new URL(first.httpUrl).port),
      wsPort: Number(new URL(first.wsUrl).port),
    };
    const app = client(first);
    app.instance.subscribe('support');
    app.instance.connect();
    await eventually('open', () => app.instance.connectionState === 'open');
    await postGitple(first.httpUrl, 7001, 'before restart');
    await eventually('first event', () => app.events.length === 1);

    await first.close();
    await eventually('noticed the restart', () => app.instance.connectionState !== 'open');
    const second = await bridge({ dataDir: folder.path, ...ports });
    // Stored while the client is still backing off: it only comes back through catch-up.
    await postGitple(second.httpUrl, 7002, 'while away');
    await eventually('reopened', () => app.instance.connectionState === 'open', 10_000);
    await postGitple(second.httpUrl, 7003, 'after restart');

    await eventually('three events', () => app.events.length >= 3, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(texts(app.events)).toEqual(['before restart', 'while away', 'after restart']);
  });

  it('resolves send once per message when the connection drops before the ack', async () => {
    const local = await bridge();
    const tracked = trackedWebSocket();
    const app = client(local, tracked);
    app.instance.subscribe('support');
    app.instance.connect();
    await eventually('open', () => app.instance.connectionState === 'open');
    // Subscribed first: the bridge's answer is where the client resumes from after the drop.
    await eventually('subscribed', () =>
      tracked.received.some((frame) => frame.includes('"subscribed"')),
    );
    const socket = tracked.current()!;
    // The frame leaves, then the network goes before any ack can come back.
    const ackSeen: string[] = [];
    socket.on('message', (data) => {
      if (String(data).includes('"ack"')) ackSeen.push(String(data));
    });
    let resolved = 0;
    const acked = app.instance.send('support', 'hello through a drop').then((ack) => {
      resolved += 1;
      return ack;
    });
    socket.terminate();
    const second = app.instance.send('support', 'second message').then((ack) => {
      resolved += 1;
      return ack;
    });

    const [firstAck, secondAck] = await Promise.all([acked, second]);
    expect(ackSeen).toEqual([]);
    expect(firstAck.eventId).not.toBe(secondAck.eventId);
    const sends = tracked.sent
      .map((f) => JSON.parse(f) as { action: string; clientMessageId?: string })
      .filter((f) => f.action === 'send' && f.clientMessageId === firstAck.clientMessageId);
    expect(sends.length).toBe(2);
    await eventually('both messages as events', () => app.events.length >= 2, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resolved).toBe(2);
    expect(texts(app.events)).toEqual(['hello through a drop', 'second message']);
  });
});
