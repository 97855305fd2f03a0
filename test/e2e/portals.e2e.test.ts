import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleBridgeId } from '../../functions/core/bridge-rules';
import { channelKey } from '../../functions/core/providers';
import { decodeStreamImage, type EventItem } from '../../functions/infra/event-item-codec';
import { fixture } from '../support/harness';
import { temporaryFolder } from '../local/local-bridge';
import { eventually, gitpleMessage, PROJECT, startWorld, type World } from './world';

const newRequest = () => `support-group-${PROJECT}-${randomBytes(16).toString('hex')}`;
const portalOf = (request: string) => ruleBridgeId('ps-portal', 'pingstreams', request);

/**
 * Portal rules on the local runtime (test/fixtures/bridges/portals.json): every new
 * Pingstreams request gets a Gitple channel of its own, created as the bridge bot with the
 * rule's agents; what agents write there goes back to that one request; `request.close`
 * freezes it. Gitple channels exist only once created (a send anywhere else is a 404).
 */
describe('portal rules, end to end on the local runtime', () => {
  let world: World;
  let data: { path: string; remove(): void };
  let nextMessage = 0;

  beforeAll(async () => {
    data = temporaryFolder();
    world = await startWorld({
      bridgesFile: 'test/fixtures/bridges/portals.json',
      gitpleChannels: [],
      dataDir: data.path,
    });
  });
  afterAll(async () => {
    await world?.close();
    data?.remove();
  });

  const operator = () => `Bearer ${world.appToken('olga', 'Olga', { roles: ['operator'] })}`;
  const bridgeRecord = async (id: string) =>
    (await (
      await fetch(`${world.bridge.httpUrl}/bridges/${id}`, {
        headers: { authorization: operator() },
      })
    ).json()) as { status: string; bridge: { channels: { provider: string; channel: string }[] } };

  /** A visitor's message in a Pingstreams request (the request's opening words name it). */
  async function visitorSays(request: string, text: string, opening = 'Order 7 is late') {
    const { body } = fixture<{ body: { payload: Record<string, unknown> } }>(
      'pingstreams/webhook-message-create.json',
    );
    nextMessage += 1;
    const response = await world.postWebhook('pingstreams', {
      ...body,
      payload: {
        ...body.payload,
        _id: `7734f0c2a1b2c3d4${String(nextMessage).padStart(8, '0')}`,
        recipient: request,
        text,
        request: {
          ...(body.payload.request as object),
          request_id: request,
          first_text: opening,
        },
      },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { stored: string[] }).stored[0]!;
  }

  /** An agent's message in a Gitple channel, as Gitple's webhook carries it. */
  async function agentSays(channel: string, id: number, text: string) {
    const message = gitpleMessage(id, text, {}, { user_id: 'agent-1', name: 'Agent One' });
    const response = await world.postWebhook('gitple', {
      ...message,
      channel: { ...message.channel, channel_id: channel, name: 'portal' },
      message: { ...message.message, channel_id: channel },
    });
    expect(response.status).toBe(200);
  }

  const inChannel = (channel: string, text: string) =>
    world.gitple.messages.filter((m) => m.channel_id === channel && m.content.includes(text));
  const creations = (channel: string) =>
    world.gitple.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path === '/v1/sdk/group/channels' &&
        (r.body as { channel_id?: string }).channel_id === channel,
    );
  /** The dead letters of one event, once the relay has parked any. */
  async function lettersOf(eventId: string) {
    for (let i = 0; i < 100; i += 1) {
      const listed = (await world.invoke('DeadLetters', { action: 'list' })) as {
        letters: { eventId: string; target: string; error: string }[];
      };
      const mine = listed.letters.filter((l) => l.eventId === eventId);
      if (mine.length > 0) return mine;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no dead letter for ${eventId}`);
  }
  const toRequest = (text: string) =>
    world.pingstreams.messages.filter((m) => m.text.includes(text));

  it('gives a never-seen request a Gitple channel of its own, created as the bot with the agents, before its first message', async () => {
    // Prepare
    const request = newRequest();
    const channel = portalOf(request);

    // Act
    await visitorSays(request, 'where is my parcel?');
    await eventually('the first message in its own channel', () =>
      inChannel(channel, 'where is my parcel?').length === 1 ? true : undefined,
    );
    const record = await bridgeRecord(channel);

    // Assess
    expect(world.gitple.channels.get(channel)).toMatchObject({
      name: 'Ana Silva — Order 7 is late',
      members: ['bridge-bot', 'agent-1', 'agent-2'],
      created_by: 'bridge-bot',
      freeze: false,
    });
    expect(creations(channel)).toHaveLength(1);
    expect(creations(channel)[0]?.headers).toMatchObject({ user_id: 'bridge-bot' });
    const order = world.gitple.requests.map((r) => r.path);
    expect(order.indexOf('/v1/sdk/group/channels')).toBeLessThan(
      order.indexOf(`/v1/sdk/group/channels/${channel}/messages`),
    );
    expect(inChannel(channel, 'where is my parcel?')[0]?.content).toBe(
      'Ana Silva: where is my parcel?',
    );
    expect(record.status).toBe('open');
    expect(record.bridge.channels.map((c) => [c.provider, c.channel])).toEqual([
      ['pingstreams', request],
      ['gitple', channel],
    ]);
  });

  it('relays an agent’s reply to that request and no other; a second request gets its own channel', async () => {
    // Prepare
    const [first, second] = [newRequest(), newRequest()];
    await visitorSays(first, 'first visitor here');
    await visitorSays(second, 'second visitor here', 'Refund for order 9');
    await eventually('both channels have their first message', () =>
      inChannel(portalOf(first), 'first visitor here').length === 1 &&
      inChannel(portalOf(second), 'second visitor here').length === 1
        ? true
        : undefined,
    );

    // Act
    await agentSays(portalOf(first), 5001, 'hello first visitor');
    await agentSays(portalOf(second), 5002, 'hello second visitor');
    // Gitple also reports the bot's own copy in the channel: an echo, relayed nowhere.
    const copy = inChannel(portalOf(first), 'first visitor here')[0]!;
    const echo = gitpleMessage(copy.message_id, copy.content, copy.meta, {
      user_id: 'bridge-bot',
      name: 'bridge-bot',
    });
    await world.postWebhook('gitple', {
      ...echo,
      channel: { ...echo.channel, channel_id: portalOf(first) },
      message: { ...echo.message, channel_id: portalOf(first) },
    });
    await eventually('both replies reached Pingstreams', () =>
      toRequest('hello first visitor').length >= 1 && toRequest('hello second visitor').length >= 1
        ? true
        : undefined,
    );
    // Pingstreams reports the bot's copy of the reply in the request too: an echo, which must
    // not go back to the channel the agent wrote it in.
    const psCopy = toRequest('hello first visitor')[0]!;
    const delivery = fixture<{ body: { payload: Record<string, unknown> } }>(
      'pingstreams/webhook-message-create.json',
    ).body;
    const psEcho = await world.postWebhook('pingstreams', {
      ...delivery,
      payload: {
        ...delivery.payload,
        _id: psCopy._id,
        recipient: first,
        text: psCopy.text,
        sender: psCopy.sender,
        attributes: psCopy.attributes,
        request: { ...(delivery.payload.request as object), request_id: first },
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Assess
    expect(portalOf(first)).not.toBe(portalOf(second));
    expect(world.gitple.channels.get(portalOf(second))?.name).toBe(
      'Ana Silva — Refund for order 9',
    );
    expect(toRequest('hello first visitor').map((m) => m.recipient)).toEqual([first]);
    expect(toRequest('hello second visitor').map((m) => m.recipient)).toEqual([second]);
    expect(toRequest('hello first visitor')[0]?.text).toBe('Agent One: hello first visitor');
    expect(toRequest('first visitor here')).toHaveLength(0);
    expect(psEcho.status).toBe(200);
    expect(((await psEcho.json()) as { stored: string[] }).stored).toHaveLength(1);
    expect(inChannel(portalOf(first), 'hello first visitor')).toEqual([]);
  });

  it('freezes the channel and closes the bridge on request.close; later messages stay out', async () => {
    // Prepare
    const request = newRequest();
    const channel = portalOf(request);
    await visitorSays(request, 'please close this');
    await eventually('relayed before the close', () =>
      inChannel(channel, 'please close this').length === 1 ? true : undefined,
    );
    const close = fixture<{ body: { payload: Record<string, unknown> } }>(
      'pingstreams/webhook-request-close.json',
    ).body;

    // Act
    const closed = await world.postWebhook('pingstreams', {
      ...close,
      payload: { ...close.payload, request_id: request },
    });
    await eventually('the channel is frozen', () =>
      world.gitple.channels.get(channel)?.freeze ? true : undefined,
    );
    await visitorSays(request, 'after the close');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const record = await bridgeRecord(channel);

    // Assess
    expect(closed.status).toBe(200);
    expect(record.status).toBe('closed');
    const freezes = world.gitple.requests.filter(
      (r) => r.method === 'PUT' && r.path === `/v1/sdk/group/channels/${channel}/freeze`,
    );
    expect(freezes.map((r) => r.body)).toEqual([{ freeze: true }]);
    expect(inChannel(channel, 'after the close')).toHaveLength(0);
  });

  it('makes one channel for ten racing first messages and relays all ten in the order they were stored', async () => {
    // Prepare
    const request = newRequest();
    const channel = portalOf(request);
    const texts = Array.from({ length: 10 }, (_, i) => `race ${request.slice(-6)} #${i}`);

    // Act
    const ids = await Promise.all(texts.map((text) => visitorSays(request, text)));
    await eventually('all ten in the channel', () =>
      texts.every((text) => inChannel(channel, text).length >= 1) ? true : undefined,
    );

    // Assess
    expect(creations(channel)).toHaveLength(1);
    for (const text of texts) expect(inChannel(channel, text)).toHaveLength(1);
    const received = world.gitple.messages
      .filter((m) => m.channel_id === channel)
      .map((m) => m.content.replace(/^Ana Silva: /, ''));
    const stored = storedOrder(data.path, ids);
    expect(stored).toHaveLength(10);
    expect(received).toEqual(stored);
  });

  it('retries a creation Gitple answers 503 to, and the first message still arrives once', async () => {
    // Prepare
    const request = newRequest();
    const channel = portalOf(request);
    world.gitple.failNextChannelCalls(2, { status: 503 });

    // Act
    await visitorSays(request, 'after two outages');
    await eventually('the first message arrived', () =>
      inChannel(channel, 'after two outages').length === 1 ? true : undefined,
    );

    // Assess
    expect(creations(channel)).toHaveLength(3);
    expect(world.gitple.channels.has(channel)).toBe(true);
    expect(inChannel(channel, 'after two outages')).toHaveLength(1);
  });

  it('parks the first message with its event when creation keeps failing, and the DLQ replay creates the channel, then delivers', async () => {
    // Prepare
    const request = newRequest();
    const channel = portalOf(request);
    world.gitple.failNextChannelCalls(4, { status: 503 });

    // Act
    const eventId = await visitorSays(request, 'parked until replayed');
    const letters = await lettersOf(eventId);
    const before = {
      created: world.gitple.channels.has(channel),
      sent: inChannel(channel, 'parked'),
    };
    const replay = (await world.invoke('DeadLetters', { action: 'replay', eventId })) as {
      replayed: { status: string }[];
    };

    // Assess
    expect(letters).toEqual([
      expect.objectContaining({
        eventId,
        target: channelKey('gitple', channel),
        error: expect.stringContaining('create the channel'),
      }),
    ]);
    expect(before).toEqual({ created: false, sent: [] });
    expect(replay.replayed.map((r) => r.status)).toEqual(['delivered']);
    expect(world.gitple.channels.get(channel)?.members).toEqual([
      'bridge-bot',
      'agent-1',
      'agent-2',
    ]);
    expect(inChannel(channel, 'parked until replayed')).toHaveLength(1);
  });
});

/**
 * The texts of these events in the order the events table's stream carries them: the local
 * runtime's stream log (its write-ahead log, in commit order) in the data folder.
 */
function storedOrder(dataDir: string, eventIds: readonly string[]): string[] {
  const wanted = new Set(eventIds);
  return readFileSync(join(dataDir, 'streams', 'records.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"commit"'))
    .flatMap((line) => (JSON.parse(line) as { records: { record: DynamoDBRecord }[] }).records)
    .map(({ record }) => decodeStreamImage(record.dynamodb?.NewImage as EventItem | undefined))
    .filter((decoded) => decoded !== undefined && wanted.has(decoded.event.id))
    .map((decoded) => decoded!.event.data.message!.text!);
}
