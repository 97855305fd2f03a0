import { SendMessageRequest } from 'amazon-ivs-chat-messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinRoom, useWsAsGlobalWebSocket, type RoomMember } from '../support/fake-ivs-chat';
import { fixture } from '../support/harness';
import { eventually, REQUEST, ROOM, startWorld, type Client, type World } from './world';

/** A message ingested from each provider reaches every other channel and the clients once. */
describe('every provider as an origin, end to end', () => {
  let world: World;
  let member: RoomMember;
  let watcher: Client;
  let restoreWebSocket: () => void;

  beforeAll(async () => {
    world = await startWorld();
    restoreWebSocket = useWsAsGlobalWebSocket();
    member = await joinRoom(world.ivs, {
      roomArn: ROOM,
      userId: 'viewer-1',
      attributes: { displayName: 'Vic' },
    });
    watcher = await world.client('watcher');
    watcher.send({ action: 'subscribe', bridge: 'support' });
    await watcher.waitFor('subscribed', (f) => f.type === 'subscribed');
  });
  afterAll(async () => {
    member?.leave();
    restoreWebSocket?.();
    await world?.close();
  });

  const copies = (text: string) => ({
    ivs: world.ivs.received.filter(
      (r) => r.userId === 'bridge-bot' && String(r.frame.Content).includes(text),
    ).length,
    gitple: world.gitple.messages.filter((m) => m.content.includes(text)).length,
    pingstreams: world.pingstreams.messages.filter((m) => m.text.includes(text)).length,
    tigerconnect: world.tiger.messages.filter((m) => String(m.body.body).includes(text)).length,
    web: watcher.frames.filter(
      (f) =>
        f.type === 'event' && JSON.stringify((f.event as { data: unknown }).data).includes(text),
    ).length,
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 800));

  it('IVS: a viewer’s chat message reaches Gitple, Pingstreams, TigerConnect and the clients', async () => {
    await member.room.sendMessage(new SendMessageRequest('hello from IVS ✨'));

    await eventually(
      'copies',
      () =>
        copies('hello from IVS ✨').tigerconnect === 1 && copies('hello from IVS ✨').gitple === 1,
    );
    await settle();
    expect(copies('hello from IVS ✨')).toEqual({
      ivs: 0,
      gitple: 1,
      pingstreams: 1,
      tigerconnect: 1,
      web: 1,
    });
    expect(world.gitple.messages.find((m) => m.content.includes('hello from IVS'))?.content).toBe(
      '[ivs] Vic: hello from IVS ✨',
    );
  });

  it('Pingstreams: a visitor’s message reaches IVS viewers as a real chat message', async () => {
    const delivery = fixture<{ body: { payload: Record<string, unknown> } }>(
      'pingstreams/webhook-message-create.json',
    ).body;

    const response = await world.postWebhook('pingstreams', {
      ...delivery,
      payload: {
        ...delivery.payload,
        _id: '6634f0c2a1b2c3d4e5f6ffff',
        text: 'hello from Pingstreams',
        attributes: {},
      },
    });

    expect(response.status).toBe(200);
    await eventually('IVS viewer sees it', () =>
      member.messages.find((m) => m.content === '[pingstreams] Ana Silva: hello from Pingstreams'),
    );
    await settle();
    expect(copies('hello from Pingstreams')).toEqual({
      ivs: 1,
      gitple: 1,
      pingstreams: 0,
      tigerconnect: 1,
      web: 1,
    });
    const seen = member.messages.find((m) => m.content.includes('hello from Pingstreams'))!;
    expect(seen.sender.userId).toBe('bridge-bot');
    expect(seen.attributes).toMatchObject({ bridge_origin: 'pingstreams' });
  });

  it('TigerConnect: a message read by the poller reaches the other providers', async () => {
    const record = fixture<{ event_id: string; event: Record<string, Record<string, unknown>> }>(
      'tigerconnect/sse-message-event.json',
    );
    const inner = record.event['tigertext:iq:message']!;
    world.tiger.publish({
      event_id: 'e2e-tiger-event-1',
      event: {
        'tigertext:iq:message': {
          ...inner,
          message_id: 'e2e-tiger-message-1',
          body: 'hello from TigerConnect',
        },
      },
    });

    const { tigerconnect: polled } = (await world.invoke('Pollers', {})) as {
      tigerconnect: { stored: number; acked: number };
    };

    expect(polled.stored).toBeGreaterThanOrEqual(1);
    expect(world.tiger.unackedIds()).not.toContain('e2e-tiger-event-1');
    await eventually(
      'copies',
      () =>
        copies('hello from TigerConnect').pingstreams === 1 &&
        copies('hello from TigerConnect').ivs === 1,
    );
    await settle();
    expect(copies('hello from TigerConnect')).toEqual({
      ivs: 1,
      gitple: 1,
      pingstreams: 1,
      tigerconnect: 0,
      web: 1,
    });
    expect(
      world.pingstreams.messages.find((m) => m.text.includes('hello from TigerConnect'))?.recipient,
    ).toBe(REQUEST);
  });
});
