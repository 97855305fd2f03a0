import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/harness';
import {
  eventually,
  gitpleDelete,
  gitpleMessage,
  PROJECT,
  REQUEST,
  ROOM,
  startWorld,
  type World,
} from './world';
import { channelKey } from '../../functions/core/providers';

/**
 * The relay end to end on the local runtime: providers are local servers speaking their APIs,
 * IVS calls the real review handler, and everything a user would observe is asserted.
 */
describe('relay, end to end on the local runtime', () => {
  let world: World;
  let nextId = 1000;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world?.close());

  const ivsMessages = () => world.ivs.received.filter((r) => r.frame.Action === 'SEND_MESSAGE');
  const botSentToIvs = (text: string) =>
    ivsMessages().filter((r) => String(r.frame.Content).includes(text));
  const deliveries = (client: { frames: Record<string, unknown>[] }, eventId: string) =>
    client.frames.filter((f) => f.type === 'delivery' && f.eventId === eventId);

  async function postGitple(text: string) {
    const id = ++nextId;
    const response = await world.postWebhook('gitple', gitpleMessage(id, text));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { stored: string[] };
    return { id, eventId: body.stored[0]! };
  }

  it('delivers a message from Gitple to every other channel and to subscribed clients exactly once, in order', async () => {
    const alice = await world.client('alice');
    // A console: it asks for every event's delivery frames, not only its own messages'.
    alice.send({ action: 'subscribe', bridge: 'support', deliveries: true });
    await alice.waitFor('subscribed', (f) => f.type === 'subscribed');

    const posted = [];
    for (const text of ['first 👋', 'second', 'third']) posted.push(await postGitple(text));

    for (const text of ['first 👋', 'second', 'third']) {
      await eventually(`IVS got "${text}"`, () => botSentToIvs(text).length === 1);
      await eventually(`Pingstreams got "${text}"`, () =>
        world.pingstreams.messages.some((m) => m.text.includes(text)),
      );
      await eventually(`TigerConnect got "${text}"`, () =>
        world.tiger.messages.some((m) => String(m.body.body).includes(text)),
      );
    }
    expect(ivsMessages().map((r) => r.frame.Content)).toEqual([
      '[gitple] Ana: first 👋',
      '[gitple] Ana: second',
      '[gitple] Ana: third',
    ]);
    expect(
      world.pingstreams.messages.filter((m) => m.recipient === REQUEST).map((m) => m.text),
    ).toEqual(['[gitple] Ana: first 👋', '[gitple] Ana: second', '[gitple] Ana: third']);
    expect(world.tiger.messages.map((m) => m.body.recipient)).toEqual(['u-def', 'u-def', 'u-def']);
    const [first] = botSentToIvs('first 👋');
    expect(first?.userId).toBe('bridge-bot');
    expect(first?.frame.Attributes).toMatchObject({
      bridge_origin: 'gitple',
      bridge_event: posted[0]!.eventId,
      orig_id: String(posted[0]!.id),
    });

    for (const { eventId } of posted) {
      await eventually(
        `delivered frames of ${eventId}`,
        () => deliveries(alice, eventId).length === 3,
      );
    }
    const events = alice.frames.filter((f) => f.type === 'event');
    expect(events.map((f) => (f.event as { id: string }).id)).toEqual(posted.map((p) => p.eventId));
    expect(events.every((f) => !('raw' in (f.event as object)))).toBe(true);
    expect(
      deliveries(alice, posted[0]!.eventId)
        .map((f) => [f.target, f.status])
        .sort(),
    ).toEqual([
      ['ivs', 'delivered'],
      ['pingstreams', 'delivered'],
      ['tigerconnect', 'delivered'],
    ]);
    alice.close();
  });

  it('never relays the echoes that come back from each target', async () => {
    const { id, eventId } = await postGitple('echo probe');
    await eventually(
      'all three copies',
      () =>
        botSentToIvs('echo probe').length === 1 &&
        world.pingstreams.messages.some((m) => m.text.includes('echo probe')) &&
        world.tiger.messages.some((m) => String(m.body.body).includes('echo probe')),
    );
    const counts = () => ({
      ivs: ivsMessages().length,
      gitple: world.gitple.messages.length,
      pingstreams: world.pingstreams.messages.length,
      tiger: world.tiger.messages.length,
    });

    // IVS: the bot's SEND_MESSAGE went through the real review handler (the fake calls it).
    await eventually('IVS reviewed the echo', () =>
      world.ivs.reviews.some((r) => r.Content.includes('echo probe')),
    );
    // Pingstreams and Gitple: their webhooks deliver the bridge's own messages back.
    const psCopy = world.pingstreams.messages.find((m) => m.text.includes('echo probe'))!;
    const delivery = fixture<{
      body: { payload: Record<string, unknown>; hook: unknown; timestamp: number };
    }>('pingstreams/webhook-message-create.json').body;
    const psEcho = await world.postWebhook('pingstreams', {
      ...delivery,
      payload: {
        ...delivery.payload,
        _id: psCopy._id,
        text: psCopy.text,
        sender: psCopy.sender,
        attributes: psCopy.attributes,
      },
    });
    const gitpleEcho = await world.postWebhook(
      'gitple',
      gitpleMessage(
        id + 500_000,
        '[gitple] Ana: echo probe',
        { bridge_origin: 'gitple', bridge_event: eventId, orig_id: String(id) },
        { user_id: 'bridge-bot', name: 'Bridge' },
      ),
    );
    // TigerConnect: the sent message comes back on the bot's event stream; the poller reads it.
    const { tigerconnect: polled } = (await world.invoke('Pollers', {})) as {
      tigerconnect: { stored: number };
    };
    const before = counts();
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect(psEcho.status).toBe(200);
    expect(gitpleEcho.status).toBe(200);
    expect(polled.stored).toBeGreaterThanOrEqual(1);
    expect(counts()).toEqual(before);
    expect(botSentToIvs('echo probe')).toHaveLength(1);
    expect(world.gitple.messages.filter((m) => m.content.includes('echo probe'))).toHaveLength(0);
    expect(
      world.bridge.lines.some((line) => line.includes(PROJECT) && line.includes('"error"')),
    ).toBe(false);
  });

  it('follows a delete to the copies where supported and reports skipped elsewhere', async () => {
    const alice = await world.client('alice');
    // A console: it asks for every event's delivery frames, not only its own messages'.
    alice.send({ action: 'subscribe', bridge: 'support', deliveries: true });
    await alice.waitFor('subscribed', (f) => f.type === 'subscribed');
    const { id } = await postGitple('to be deleted');
    await eventually('IVS copy', () => botSentToIvs('to be deleted').length === 1);
    await eventually('IVS copy has an id', () =>
      world.ivs.sent.find(
        (s) =>
          s.userId === 'bridge-bot' &&
          String(s.frame.Content).includes('to be deleted') &&
          s.frame.Id,
      ),
    );
    const copyId = String(
      world.ivs.sent.find((s) => String(s.frame.Content).includes('to be deleted') && s.frame.Id)!
        .frame.Id,
    );

    const response = await world.postWebhook('gitple', gitpleDelete(id));
    const { stored } = (await response.json()) as { stored: string[] };

    await eventually('DeleteMessage', () =>
      world.ivs.controlCalls.find((c) => c.operation === 'DeleteMessage' && c.body.id === copyId),
    );
    await eventually(
      'three delivery frames for the delete',
      () => deliveries(alice, stored[0]!).length === 3,
    );
    expect(
      deliveries(alice, stored[0]!)
        .map((f) => [f.target, f.status])
        .sort(),
    ).toEqual([
      ['ivs', 'delivered'],
      ['pingstreams', 'skipped'],
      ['tigerconnect', 'skipped'],
    ]);

    // IVS logs the DeleteMessage the bridge made; chat logging brings it back as a new event.
    const deletesToGitpleBefore = world.gitple.requests.filter((r) => r.method === 'DELETE').length;
    const logRecord = {
      event_timestamp: new Date().toISOString(),
      type: 'EVENT',
      version: '1.0',
      payload: {
        Type: 'EVENT',
        Id: 'LogDel000001',
        EventName: 'aws:DELETE_MESSAGE',
        Attributes: { MessageID: copyId, Reason: 'deleted at the origin' },
        SendTime: new Date().toISOString(),
      },
    };
    const { gzipSync } = await import('node:zlib');
    const logs = {
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/ivs/chat',
      logStream: 'aws/IVSChatLogs/1.0/room_g1H2I3J4k5L6',
      subscriptionFilters: ['bridge'],
      logEvents: [{ id: '1', timestamp: Date.now(), message: JSON.stringify(logRecord) }],
    };
    const ingested = (await world.invoke('IvsChatLog', {
      awslogs: { data: gzipSync(JSON.stringify(logs)).toString('base64') },
    })) as { stored: number };
    expect(ingested.stored).toBe(1);
    await eventually('the come-back delete settled as skipped', () =>
      alice.frames.some(
        (f) =>
          f.type === 'delivery' &&
          f.target === 'gitple' &&
          f.detail === 'the message was already deleted through the bridge',
      ),
    );
    expect(world.gitple.requests.filter((r) => r.method === 'DELETE').length).toBe(
      deletesToGitpleBefore,
    );
    alice.close();
  });

  it('reports an edit as skipped at every target, since none of them can edit', async () => {
    const alice = await world.client('alice');
    // A console: it asks for every event's delivery frames, not only its own messages'.
    alice.send({ action: 'subscribe', bridge: 'support', deliveries: true });
    await alice.waitFor('subscribed', (f) => f.type === 'subscribed');
    const { id } = await postGitple('before the edit');
    const edit = gitpleMessage(id, 'after the edit');

    const response = await world.postWebhook('gitple', {
      ...edit,
      category: 'group:message_update',
      message: { ...edit.message, updated_at: edit.message.updated_at + 5000 },
    });
    const { stored } = (await response.json()) as { stored: string[] };

    await eventually(
      'three delivery frames for the edit',
      () => deliveries(alice, stored[0]!).length === 3,
    );
    expect(
      deliveries(alice, stored[0]!)
        .map((f) => [f.target, f.status, f.detail])
        .sort(),
    ).toEqual([
      ['ivs', 'skipped', 'ivs does not support edits'],
      ['pingstreams', 'skipped', 'pingstreams does not support edits'],
      ['tigerconnect', 'skipped', 'tigerconnect does not support edits'],
    ]);
    alice.close();
  });

  it('refuses a WebSocket upgrade without a valid app JWT', async () => {
    const { default: WebSocket } = await import('ws');
    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${world.bridge.wsUrl}?token=forged`);
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', () => undefined);
    });

    expect(refused).toBe(401);
  });

  it('waits out a 429 Retry-After and delivers after it', async () => {
    world.tiger.failNextSends(1, { status: 429, retryAfter: '1' });
    const started = Date.now();

    await postGitple('throttled once');

    const sent = await eventually(
      'TigerConnect got it after the wait',
      () => world.tiger.messages.find((m) => String(m.body.body).includes('throttled once')),
      8000,
    );
    expect(sent).toBeTruthy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(
      world.tiger.messages.filter((m) => String(m.body.body).includes('throttled once')),
    ).toHaveLength(1);
  });

  it('parks a target that keeps failing in the DLQ with the full payload, and the replay command delivers it', async () => {
    world.pingstreams.failNextMessageCalls(4, { status: 503 });
    const { eventId } = await postGitple('parked then replayed');

    const letters = await (async () => {
      for (let i = 0; i < 100; i += 1) {
        const result = (await world.invoke('DeadLetters', { action: 'list' })) as {
          letters: { eventId: string; target: string }[];
        };
        const mine = result.letters.filter((l) => l.eventId === eventId);
        if (mine.length > 0) return mine;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('no dead letter');
    })();
    expect(letters).toEqual([
      expect.objectContaining({ eventId, target: channelKey('pingstreams', REQUEST) }),
    ]);
    expect(world.pingstreams.messages.some((m) => m.text.includes('parked then replayed'))).toBe(
      false,
    );

    const replay = (await world.invoke('DeadLetters', { action: 'replay', eventId })) as {
      replayed: { status: string }[];
    };

    expect(replay.replayed.map((r) => r.status)).toEqual(['delivered']);
    expect(
      world.pingstreams.messages.filter((m) => m.text.includes('parked then replayed')),
    ).toHaveLength(1);
    const after = (await world.invoke('DeadLetters', { action: 'list' })) as {
      letters: { eventId: string }[];
    };
    expect(after.letters.filter((l) => l.eventId === eventId)).toHaveLength(0);
  });

  it('cleans up a dead connection while the rest of the fan-out succeeds', async () => {
    const [bob, carol] = [await world.client('bob'), await world.client('carol')];
    for (const c of [bob, carol]) {
      c.send({ action: 'subscribe', bridge: 'support' });
      await c.waitFor('subscribed', (f) => f.type === 'subscribed');
    }
    // A connection API Gateway has already dropped, whose $disconnect never arrived.
    const stateTable = world.bridge.tableNames.STATE_TABLE!;
    for (const sk of ['META', 'SUB#support']) {
      await world.bridge.dynamo.send(
        new PutItemCommand({
          TableName: stateTable,
          Item: {
            pk: { S: 'CONN#gone-connection' },
            sk: { S: sk },
            ...(sk === 'META'
              ? { sub: { S: 'ghost' }, connectedAt: { S: new Date().toISOString() } }
              : { gsi1pk: { S: 'SUBS#support' }, gsi1sk: { S: 'gone-connection' } }),
          },
        }),
      );
    }

    const { eventId } = await postGitple('fan-out with a ghost');

    for (const c of [bob, carol]) {
      await c.waitFor(
        'the event',
        (f) => f.type === 'event' && (f.event as { id: string }).id === eventId,
      );
    }
    const { QueryCommand } = await import('@aws-sdk/client-dynamodb');
    const ghostItems = async () =>
      (
        await world.bridge.dynamo.send(
          new QueryCommand({
            TableName: stateTable,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: 'CONN#gone-connection' } },
          }),
        )
      ).Items ?? [];
    let ghost = await ghostItems();
    for (let i = 0; i < 50 && ghost.length > 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      ghost = await ghostItems();
    }
    expect(ghost).toHaveLength(0);
    bob.close();
    carol.close();
  });

  it('gives a client that reconnects with its last cursor exactly what it missed', async () => {
    const dave = await world.client('dave');
    dave.send({ action: 'subscribe', bridge: 'support' });
    await dave.waitFor('subscribed', (f) => f.type === 'subscribed');
    const seen = await postGitple('seen before the disconnect');
    const frame = await dave.waitFor(
      'event',
      (f) => f.type === 'event' && (f.event as { id: string }).id === seen.eventId,
    );
    dave.close();

    const missed = [await postGitple('missed one'), await postGitple('missed two')];
    await eventually('relayed', () =>
      world.pingstreams.messages.some((m) => m.text.includes('missed two')),
    );
    const again = await world.client('dave');
    again.send({ action: 'subscribe', bridge: 'support', after: frame.cursor });
    await again.waitFor(
      'caught up',
      (f) => f.type === 'event' && (f.event as { id: string }).id === missed[1]!.eventId,
    );

    // A fresh cursor is held at the settle horizon (core/event-cursor.ts): the catch-up may
    // repeat what the client already holds (it drops repeats by event id), never skip.
    const replayed = again.frames
      .filter((f) => f.type === 'event')
      .map((f) => (f.event as { id: string }).id);
    const missedIds = missed.map((m) => m.eventId);
    expect(replayed.filter((id) => missedIds.includes(id))).toEqual(missedIds);
    expect(replayed.slice(-2)).toEqual(missedIds);
    expect(replayed.filter((id) => id === seen.eventId).length).toBeLessThanOrEqual(1);
    again.close();
  });

  it('relays what a WebSocket client sends to every provider, once even when resent', async () => {
    const erin = await world.client('erin');
    const frame = {
      action: 'send',
      bridge: 'support',
      text: 'from the web',
      clientMessageId: 'erin-1',
    };

    erin.send(frame);
    erin.send(frame);

    const acks = await eventually('two acks', () => {
      const found = erin.frames.filter((f) => f.type === 'ack');
      return found.length === 2 ? found : undefined;
    });
    expect(acks[0]!.eventId).toBe(acks[1]!.eventId);
    await eventually('IVS copy', () => botSentToIvs('from the web').length === 1);
    await eventually('Gitple copy', () =>
      world.gitple.messages.some((m) => m.content.includes('[web] ERIN: from the web')),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(botSentToIvs('from the web')).toHaveLength(1);
    expect(world.gitple.messages.filter((m) => m.content.includes('from the web'))).toHaveLength(1);
    expect(ROOM).toContain('room/');
    erin.close();
  });
});
