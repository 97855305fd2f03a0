import { describe, expect, it } from 'vitest';
import {
  ChatBridgeClient,
  fullJitterDelay,
  type ClientEvents,
  type WebSocketLike,
} from '../../client/src';

/** A socket the test drives by hand: what the client wrote, and frames pushed to it. */
class ScriptedSocket implements WebSocketLike {
  static all: ScriptedSocket[] = [];
  readyState = 0;
  written: Record<string, unknown>[] = [];
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  constructor(readonly url: string) {
    ScriptedSocket.all.push(this);
  }
  send(data: string) {
    this.written.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  push(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

/** A client on scripted sockets, the ones of earlier tests forgotten. */
function scriptedClient(options: Partial<ConstructorParameters<typeof ChatBridgeClient>[0]> = {}) {
  ScriptedSocket.all = [];
  return new ChatBridgeClient({
    url: 'ws://bridge.test',
    token: () => 'jwt',
    WebSocket: ScriptedSocket,
    ...options,
  });
}

const event = (n: number) => ({
  id: `e${n}`,
  subject: 'support',
  type: 'chat.message.created',
  data: { message: { id: `m${n}`, text: `t${n}` } },
});

describe('ChatBridgeClient ordering and de-duplication', () => {
  it('holds live pushes that arrive during catch-up behind the history, and drops repeats', async () => {
    const client = scriptedClient({ backoff: { initialMs: 1, maxMs: 1 } });
    const seen: ClientEvents['event'][] = [];
    client.on('event', (e) => seen.push(e));
    client.subscribe('support', { after: 'c0', deliveries: true });
    client.connect();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const socket = ScriptedSocket.all[0]!;
    expect(socket.url).toBe('ws://bridge.test?token=jwt');
    socket.open();
    expect(socket.written).toEqual([
      { action: 'subscribe', bridge: 'support', after: 'c0', deliveries: true },
    ]);

    socket.push({ type: 'subscribed', bridge: 'support' });
    socket.push({ type: 'event', event: event(1), cursor: 'c1', catchUp: true });
    socket.push({ type: 'event', event: event(4), cursor: 'c4' }); // live, newer
    socket.push({ type: 'event', event: event(2), cursor: 'c2' }); // live, also in the history
    socket.push({ type: 'event', event: event(2), cursor: 'c2', catchUp: true });
    socket.push({ type: 'event', event: event(3), cursor: 'c3', catchUp: true });
    expect(seen.map((e) => e.event.id)).toEqual(['e1', 'e2', 'e3']);
    socket.push({ type: 'caught-up', bridge: 'support' });
    socket.push({ type: 'event', event: event(4), cursor: 'c4' });

    expect(seen.map((e) => e.event.id)).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(client.cursor('support')).toBe('c4');

    socket.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const next = ScriptedSocket.all[1]!;
    next.open();
    expect(next.written[0]).toEqual({
      action: 'subscribe',
      bridge: 'support',
      after: 'c4',
      deliveries: true,
    });
    client.close();
  });

  it('resumes from where a subscription started when the connection drops before any event, and numbers sends per connection', async () => {
    const client = scriptedClient({ backoff: { initialMs: 1, maxMs: 1 } });
    client.subscribe('support');
    client.connect();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const socket = ScriptedSocket.all[0]!;
    socket.open();
    socket.push({ type: 'subscribed', bridge: 'support', cursor: 'start' });
    void client.send('support', 'one').catch(() => undefined);
    void client.send('support', 'two').catch(() => undefined);

    socket.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const next = ScriptedSocket.all[1]!;
    next.open();

    const sends = (written: unknown[]) =>
      written.filter((f) => (f as { action: string }).action === 'send') as {
        text: string;
        seq: number;
      }[];
    expect(sends(socket.written).map((f) => [f.text, f.seq])).toEqual([
      ['one', 1],
      ['two', 2],
    ]);
    expect(next.written[0]).toEqual({ action: 'subscribe', bridge: 'support', after: 'start' });
    // Unacked sends go again on the new connection, numbered from 1 there.
    expect(sends(next.written).map((f) => [f.text, f.seq])).toEqual([
      ['one', 1],
      ['two', 2],
    ]);
    client.close();
  });

  it('continues a truncated catch-up from the cursor the server gives', async () => {
    const client = scriptedClient({ token: async () => 'jwt' });
    client.subscribe('support', { after: 'c0' });
    client.connect();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const socket = ScriptedSocket.all[0]!;
    socket.open();
    socket.push({ type: 'catch-up-truncated', bridge: 'support', next: 'c9' });
    expect(socket.written.at(-1)).toEqual({ action: 'subscribe', bridge: 'support', after: 'c9' });
    client.close();
  });
});

describe('fullJitterDelay', () => {
  it('is uniform below a ceiling that doubles per attempt up to the maximum', () => {
    const options = { initialMs: 100, maxMs: 1000 };
    expect(fullJitterDelay(0, { ...options, random: () => 0.999 })).toBe(99);
    expect(fullJitterDelay(3, { ...options, random: () => 0.5 })).toBe(400);
    expect(fullJitterDelay(10, { ...options, random: () => 0.5 })).toBe(500);
    expect(fullJitterDelay(10, { ...options, random: () => 0 })).toBe(0);
  });
});

describe('ChatBridgeClient sends', () => {
  it('rejects a send that is never acked once its timeout passes, and not before', async () => {
    const client = scriptedClient({ sendTimeoutMs: 50 });
    client.connect();
    await new Promise((resolve) => setTimeout(resolve, 0));
    ScriptedSocket.all[0]!.open();

    const sent = client.send('support', 'into the void');

    await expect(sent).rejects.toMatchObject({ name: 'SendTimeoutError' });
    expect(ScriptedSocket.all[0]!.written).toEqual([
      expect.objectContaining({ action: 'send', text: 'into the void' }),
    ]);
    client.close();
  });

  it('resolves once even when the ack comes twice (a resend acked as a duplicate)', async () => {
    const client = scriptedClient();
    client.connect();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const socket = ScriptedSocket.all[0]!;
    socket.open();
    let settled = 0;
    const sent = client.send('support', 'hi').then((ack) => ((settled += 1), ack));
    const { clientMessageId } = socket.written[0] as { clientMessageId: string };

    socket.push({ type: 'ack', clientMessageId, eventId: 'e1', duplicate: false });
    socket.push({ type: 'ack', clientMessageId, eventId: 'e1', duplicate: true });

    await expect(sent).resolves.toMatchObject({ eventId: 'e1', duplicate: false });
    expect(settled).toBe(1);
    client.close();
  });
});
