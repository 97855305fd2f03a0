import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleBridgeId } from '../../functions/core/bridge-rules';
import { fixture } from '../support/harness';
import { eventually, gitpleMessage, PROJECT, startWorld, type World } from './world';

/** Catch-up from before any event: the smallest cursor the events store accepts. */
const FROM_START = Buffer.from('0000000000000#0', 'utf8').toString('base64url');

const newRequest = () => `support-group-${PROJECT}-${randomBytes(16).toString('hex')}`;

/**
 * Bridges at run time on the local runtime: rules open a bridge for each new Pingstreams
 * request, operators manage bridges through the API, and relaying sees both without a restart.
 */
describe('bridges made at run time, end to end on the local runtime', () => {
  let world: World;
  let nextMessage = 0;

  beforeAll(async () => {
    world = await startWorld({ bridgesFile: 'test/fixtures/bridges/rules.json' });
  });
  afterAll(() => world?.close());

  const operator = () => `Bearer ${world.appToken('olga', 'Olga', { roles: ['operator'] })}`;
  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${world.bridge.httpUrl}${path}`, {
      ...init,
      headers: {
        authorization: init.token ?? operator(),
        'content-type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
    });

  async function pingstreamsMessage(request: string, text: string) {
    const { body } = fixture<{ body: { payload: Record<string, unknown> } }>(
      'pingstreams/webhook-message-create.json',
    );
    nextMessage += 1;
    const id = `6634f0c2a1b2c3d4${String(nextMessage).padStart(8, '0')}`;
    const response = await world.postWebhook('pingstreams', {
      ...body,
      payload: {
        ...body.payload,
        _id: id,
        recipient: request,
        text,
        request: { ...(body.payload.request as object), request_id: request },
      },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { stored: string[] }).stored[0]!;
  }

  const gitpleTexts = (text: string) =>
    world.gitple.messages.filter((m) => m.channel_id === 'room-7' && m.content.includes(text));

  it('opens a bridge for a never-seen request and relays its first message to Gitple and subscribers, once', async () => {
    // Prepare
    const request = newRequest();
    const bridgeId = ruleBridgeId('ps-support', 'pingstreams', request);

    // Act
    const firstId = await pingstreamsMessage(request, 'first words of a new request');
    await eventually('Gitple got the first message', () =>
      gitpleTexts('first words of a new request').length === 1 ? true : undefined,
    );
    const alice = await world.client('alice');
    alice.send({ action: 'subscribe', bridge: bridgeId, after: FROM_START });
    await alice.waitFor('subscribed', (f) => f.type === 'subscribed');
    const secondId = await pingstreamsMessage(request, 'second words');
    await eventually('Gitple got the second message', () =>
      gitpleTexts('second words').length === 1 ? true : undefined,
    );
    await alice.waitFor('second event', (f) => f.type === 'event' && eventId(f) === secondId);
    const listed = (await (await api('/bridges')).json()) as {
      bridges: { id: string; origin: string; ruleId?: string; version: number }[];
    };

    // Assess
    expect(gitpleTexts('first words of a new request')).toHaveLength(1);
    expect(gitpleTexts('first words of a new request')[0]?.content).toContain('[pingstreams]');
    const events = alice.frames.filter((f) => f.type === 'event').map(eventId);
    expect(events.filter((id) => id === firstId)).toHaveLength(1);
    expect(events.filter((id) => id === secondId)).toHaveLength(1);
    expect(listed.bridges.find((b) => b.id === bridgeId)).toMatchObject({
      origin: 'rule',
      ruleId: 'ps-support',
      version: 1,
    });
    expect(listed.bridges.find((b) => b.id === 'support')).toMatchObject({ origin: 'file' });
  });

  it('ten concurrent first messages of one request open one bridge and relay ten messages once each', async () => {
    // Prepare
    const request = newRequest();
    const bridgeId = ruleBridgeId('ps-support', 'pingstreams', request);
    const texts = Array.from({ length: 10 }, (_, i) => `burst ${request.slice(-6)} #${i}`);

    // Act
    await Promise.all(texts.map((text) => pingstreamsMessage(request, text)));
    await eventually('Gitple got all ten', () =>
      texts.every((text) => gitpleTexts(text).length >= 1) ? true : undefined,
    );
    const history = (await (await api(`/bridges/${bridgeId}/events?limit=50`)).json()) as {
      events: { event: { data: { message: { text: string } } } }[];
    };
    const listed = (await (await api('/bridges')).json()) as { bridges: { id: string }[] };

    // Assess
    expect(
      listed.bridges.filter((b) => b.id.startsWith('ps-support-') && b.id === bridgeId),
    ).toHaveLength(1);
    for (const text of texts) expect(gitpleTexts(text)).toHaveLength(1);
    const storedOrder = history.events.map((e) => e.event.data.message.text);
    expect(storedOrder.sort()).toEqual([...texts].sort());
    // Ten posts at once have no order among them: the relay follows the order the writes
    // landed in, history the time each was stamped (ties within a millisecond by event id).
    // The order of sequential sends is asserted in realtime.e2e.test.ts.
    const relayed = world.gitple.messages
      .filter((m) => texts.some((t) => m.content.endsWith(t)))
      .map((m) => texts.find((t) => m.content.endsWith(t)));
    expect([...relayed].sort()).toEqual([...texts].sort());
  });

  it('closes the bridge on request.close: later messages are stored but not relayed', async () => {
    // Prepare
    const request = newRequest();
    const bridgeId = ruleBridgeId('ps-support', 'pingstreams', request);
    await pingstreamsMessage(request, 'before the close');
    await eventually('relayed before the close', () =>
      gitpleTexts('before the close').length === 1 ? true : undefined,
    );
    const close = fixture<{ body: { payload: Record<string, unknown> } }>(
      'pingstreams/webhook-request-close.json',
    ).body;

    // Act
    const closed = await world.postWebhook('pingstreams', {
      ...close,
      payload: { ...close.payload, request_id: request },
    });
    const afterId = await pingstreamsMessage(request, 'after the close');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const record = (await (await api(`/bridges/${bridgeId}`)).json()) as { status: string };

    // Assess
    expect(closed.status).toBe(200);
    expect(afterId).toBeDefined();
    expect(record.status).toBe('closed');
    expect(gitpleTexts('after the close')).toHaveLength(0);
  });

  it('relays through a bridge created with PUT, within the cache delay and without a restart', async () => {
    // Prepare
    const request = newRequest();
    const started = Date.now();

    // Act
    const created = await api('/bridges/desk-9', {
      method: 'PUT',
      body: JSON.stringify({
        channels: [
          { provider: 'gitple', channel: 'room-9' },
          { provider: 'pingstreams', channel: request },
        ],
      }),
    });
    const message = gitpleMessage(9001, 'through an API bridge');
    const response = await world.postWebhook('gitple', {
      ...message,
      channel: { ...message.channel, channel_id: 'room-9' },
      message: { ...message.message, channel_id: 'room-9' },
    });
    await eventually(
      'Pingstreams got the message',
      () =>
        world.pingstreams.messages.some(
          (m) => m.recipient === request && m.text.includes('through an API bridge'),
        ) || undefined,
      2000 + 5000,
    );

    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(7000);
  });

  it('refuses a stale If-Match with 412, a replace without one with 428, and a taken channel with 409', async () => {
    // Prepare
    const body = (channel: string) =>
      JSON.stringify({ channels: [{ provider: 'gitple', channel }] });
    await api('/bridges/desk-10', { method: 'PUT', body: body('room-10') });
    const replaced = await api('/bridges/desk-10', {
      method: 'PUT',
      headers: { 'if-match': '"1"' },
      body: body('room-11'),
    });

    // Act
    const stale = await api('/bridges/desk-10', {
      method: 'PUT',
      headers: { 'if-match': '"1"' },
      body: body('room-12'),
    });
    const unconditional = await api('/bridges/desk-10', { method: 'PUT', body: body('room-12') });
    const taken = await api('/bridges/desk-11', { method: 'PUT', body: body('room-11') });
    const invalid = await api('/bridges/desk-12', {
      method: 'PUT',
      body: JSON.stringify({ channels: [{ provider: 'ivs', channel: 'not-an-arn' }] }),
    });

    // Assess
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('etag')).toBe('"2"');
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    expect(((await stale.json()) as { detail: string }).detail).toContain('version 2, not 1');
    expect(unconditional.status).toBe(428);
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as { detail: string }).detail).toContain(
      'channel already belongs to bridge "desk-10"',
    );
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { detail: string }).detail).toContain(
      'channels.0.channel: "not-an-arn" is not a ivs channel id',
    );
  });

  it('two racing PUTs for one channel: one 201 (or 200) and one 409, every time', async () => {
    // Prepare: a bridge to replace, so a replace (200) races a create (201) as well.
    const gitple = (channel: string) =>
      JSON.stringify({ channels: [{ provider: 'gitple', channel }] });
    const put = (id: string, channel: string, ifMatch?: string) =>
      api(`/bridges/${id}`, {
        method: 'PUT',
        body: gitple(channel),
        ...(ifMatch && { headers: { 'if-match': ifMatch } }),
      });
    const rounds = Array.from({ length: 6 }, (_, i) => ({
      channel: `room-race-${i}`,
      ids: [`race-${i}-a`, `race-${i}-b`],
    }));
    for (const { ids } of rounds.filter((_, i) => i % 2 === 1)) {
      expect((await put(ids[0]!, `room-before-${ids[0]}`)).status).toBe(201);
    }

    // Act: odd rounds race a replace of `a` (If-Match "1") against a create of `b`.
    const answers = await Promise.all(
      rounds.map(({ channel, ids }, i) =>
        Promise.all([
          put(ids[0]!, channel, i % 2 === 1 ? '"1"' : undefined),
          put(ids[1]!, channel),
        ]),
      ),
    );

    // Assess
    for (const [i, pair] of answers.entries()) {
      const statuses = pair.map((r) => r.status).sort();
      expect(statuses[1], `round ${i}`).toBe(409);
      expect(i % 2 === 1 ? [200, 201] : [201], `round ${i}`).toContain(statuses[0]);
      const loser = pair.find((r) => r.status === 409)!;
      const winner = rounds[i]!.ids[pair.findIndex((r) => r.status !== 409)]!;
      const loserId = rounds[i]!.ids[pair.indexOf(loser)]!;
      expect(((await loser.json()) as { detail: string }).detail).toContain(
        `channel already belongs to bridge "${winner}"`,
      );
      // The loser changed nothing: not created, or still at the version it had.
      const lost = await api(`/bridges/${loserId}`);
      if (i % 2 === 0 || loserId.endsWith('-b')) expect(lost.status).toBe(404);
      else expect(lost.headers.get('etag')).toBe('"1"');
    }
  });

  it('answers 412, never 400, to an If-Match that does not match, on PUT and DELETE', async () => {
    // Prepare
    const created = await api('/bridges/desk-30', {
      method: 'PUT',
      body: JSON.stringify({ channels: [{ provider: 'gitple', channel: 'room-30' }] }),
    });
    const replace = (ifMatch: string) =>
      api('/bridges/desk-30', {
        method: 'PUT',
        headers: { 'if-match': ifMatch },
        body: JSON.stringify({ channels: [{ provider: 'gitple', channel: 'room-31' }] }),
      });

    // Act
    const answers = await Promise.all(
      ['"stale-version-0"', 'stale-version-0', 'W/"1"', '1', '"2"'].map(replace),
    );
    const badDelete = await api('/bridges/desk-30', {
      method: 'DELETE',
      headers: { 'if-match': '"stale-version-0"' },
    });
    const current = await api('/bridges/desk-30');

    // Assess
    expect(created.status).toBe(201);
    expect(answers.map((a) => a.status)).toEqual([412, 412, 412, 412, 412]);
    expect(badDelete.status).toBe(412);
    expect(badDelete.headers.get('content-type')).toBe('application/problem+json');
    expect(((await answers[2]!.json()) as { detail: string }).detail).toContain('weak tag');
    expect(current.headers.get('etag')).toBe('"1"');
  });

  it('answers 403 to a user without the operator role, on every bridges route', async () => {
    // Prepare
    const token = `Bearer ${world.appToken('bob', 'Bob', { roles: ['moderator'] })}`;

    // Act
    const answers = await Promise.all([
      api('/bridges', { token }),
      api('/bridges/support', { token }),
      api('/bridges/x', { token, method: 'PUT', body: '{}' }),
      api('/bridges/support', { token, method: 'DELETE' }),
    ]);

    // Assess
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403]);
  });

  it('stops relaying a deleted bridge, and keeps its history readable to operators only', async () => {
    // Prepare
    const request = newRequest();
    await api('/bridges/desk-20', {
      method: 'PUT',
      body: JSON.stringify({
        channels: [
          { provider: 'pingstreams', channel: request },
          { provider: 'gitple', channel: 'room-20' },
        ],
      }),
    });
    await pingstreamsMessage(request, 'while desk-20 lived');
    await eventually(
      'relayed while it lived',
      () =>
        world.gitple.messages.some((m) => m.content.includes('while desk-20 lived')) || undefined,
    );

    // Act
    const deleted = await api('/bridges/desk-20', { method: 'DELETE' });
    await pingstreamsMessage(request, 'after desk-20 was deleted');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const operatorHistory = await api('/bridges/desk-20/events');
    const userHistory = await api('/bridges/desk-20/events', {
      token: `Bearer ${world.appToken('bob')}`,
    });

    // Assess
    expect(deleted.status).toBe(204);
    // The request's channel is free again, so the ps-support rule may open its own bridge for
    // it (into room-7); the deleted bridge's room-20 gets nothing more.
    expect(
      world.gitple.messages.some(
        (m) => m.channel_id === 'room-20' && m.content.includes('after desk-20'),
      ),
    ).toBe(false);
    expect(operatorHistory.status).toBe(200);
    expect(JSON.stringify(await operatorHistory.json())).toContain('while desk-20 lived');
    expect(userHistory.status).toBe(404);
  });
});

function eventId(frame: Record<string, unknown>): string | undefined {
  return (frame.event as { id?: string } | undefined)?.id;
}
