import jwt from 'jsonwebtoken';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../functions/core/errors';
import type { DeliveryTarget, OutboundMessage } from '../../../functions/core/outbound';
import { isRetryable } from '../../../functions/core/retry';
import { createGitpleOutboundAdapter } from '../../../functions/providers/gitple/outbound';
import {
  startFakeGitplePlatform,
  type FakeGitplePlatform,
} from '../../support/fake-gitple-platform';

const APP_ID = '7f3c-appid';
const API_KEY = 'sk_live_gitple_key_never_echoed';
const BOT = 'bridge-bot';
const HOUR = 60 * 60_000;
const START = Date.parse('2024-05-02T10:00:00.000Z');

const TARGET: DeliveryTarget = { provider: 'gitple', channel: 'room-7', mode: 'message' };

const MESSAGE: OutboundMessage = {
  text: '[pingstreams] Ana: hi there',
  attachments: [],
  sender: { id: 'ana', displayName: 'Ana' },
  marker: {
    origin: 'pingstreams',
    eventId: 'pingstreams-Q2xhdWRlQnJpZGdlRXhhbXBsZTAx',
    originMessageId: '6634f0c2a1b2c3d4e5f60718',
  },
};

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('Gitple outbound adapter', () => {
  let gitple: FakeGitplePlatform;
  let clock: number;

  beforeEach(async () => {
    clock = START;
    gitple = await startFakeGitplePlatform({
      appId: APP_ID,
      apiKey: API_KEY,
      users: [BOT],
      now: () => clock,
    });
  });
  afterEach(() => gitple.close());

  const secrets = (overrides: Record<string, string> = {}) => ({
    GITPLE_HOST: gitple.url,
    GITPLE_APP_ID: APP_ID,
    GITPLE_APP_API_KEY: API_KEY,
    GITPLE_BOT_USER_ID: BOT,
    ...overrides,
  });
  const adapterFor = (overrides: Record<string, string> = {}) =>
    createGitpleOutboundAdapter({ env: {}, secrets: secrets(overrides), now: () => clock });
  const routes = () => gitple.requests.map((r) => `${r.method} ${r.path}`);
  const exchanges = () => routes().filter((r) => r === 'POST /v1/sdk/users/token').length;

  it('signs the bot in (session token, then SDK token) and posts the text with the marker as meta', async () => {
    const adapter = adapterFor();

    const result = await adapter.send(TARGET, MESSAGE);

    expect(routes()).toEqual([
      `POST /v1/users/${BOT}/token`,
      'POST /v1/sdk/users/token',
      'POST /v1/sdk/group/channels/room-7/messages',
    ]);
    const [session, exchange, send] = gitple.requests;
    expect(session?.headers).toMatchObject({ app_id: APP_ID, app_api_key: API_KEY });
    expect(session?.body).toEqual({ expires_at: START + HOUR });
    expect(exchange?.headers).toMatchObject({ app_id: APP_ID, user_id: BOT });
    const sessionToken = /^Bearer (.+)$/.exec(exchange?.headers.authorization ?? '')?.[1];
    expect(jwt.decode(sessionToken ?? '')).toMatchObject({ user_id: BOT, exp: START + HOUR });
    expect(exchange?.headers.app_api_key).toBeUndefined();
    expect(send?.headers).toMatchObject({
      app_id: APP_ID,
      user_id: BOT,
      'content-type': 'application/json',
    });
    expect(send?.headers.authorization).toMatch(/^Bearer sdk-/);
    expect(send?.headers.app_api_key).toBeUndefined();
    expect(send?.body).toEqual({
      type: 'text',
      content: '[pingstreams] Ana: hi there',
      meta: {
        bridge_origin: 'pingstreams',
        bridge_event: 'pingstreams-Q2xhdWRlQnJpZGdlRXhhbXBsZTAx',
        orig_id: '6634f0c2a1b2c3d4e5f60718',
      },
    });
    expect(gitple.messages).toHaveLength(1);
    expect(gitple.messages[0]).toMatchObject({ channel_id: 'room-7', user: { user_id: BOT } });
    expect(result).toEqual({ messageId: String(gitple.messages[0]?.message_id) });
  });

  it('keeps unicode text intact and escapes the channel id in the path', async () => {
    const text = 'Olá, 世界! 👩🏽‍⚕️ café — naïve 🚑';

    await adapterFor().send({ ...TARGET, channel: 'room 7?x' }, { ...MESSAGE, text });

    expect(gitple.messages[0]).toMatchObject({ channel_id: 'room 7?x', content: text });
    expect(gitple.requests.at(-1)?.path).toBe('/v1/sdk/group/channels/room%207%3Fx/messages');
  });

  it('exchanges tokens once for many sends, concurrent or not, and returns each new id', async () => {
    const adapter = adapterFor();

    const concurrent = await Promise.all([1, 2, 3].map(() => adapter.send(TARGET, MESSAGE)));
    const later = await adapter.send(TARGET, MESSAGE);

    expect(routes().filter((r) => r.startsWith('POST /v1/users/'))).toHaveLength(1);
    expect(exchanges()).toBe(1);
    const ids = [...concurrent, later].map((r) => r.messageId);
    expect(ids).toEqual(gitple.messages.map((m) => String(m.message_id)));
    expect(new Set(ids).size).toBe(4);
  });

  it('refreshes the SDK token once less than an hour of it is left, as the SDK does', async () => {
    const adapter = adapterFor();
    await adapter.send(TARGET, MESSAGE); // the fake's SDK tokens live 24 h
    const firstBearer = gitple.requests.at(-1)?.headers.authorization;

    clock = START + 22 * HOUR + 59 * 60_000;
    await adapter.send(TARGET, MESSAGE);
    const exchangesBefore = exchanges();
    clock = START + 23 * HOUR + 60_000;
    await adapter.send(TARGET, MESSAGE);

    expect(exchangesBefore).toBe(1);
    expect(exchanges()).toBe(2);
    const lastSend = gitple.requests.at(-1);
    expect(lastSend?.path).toBe('/v1/sdk/group/channels/room-7/messages');
    expect(lastSend?.headers.authorization).not.toBe(firstBearer);
    expect(gitple.messages).toHaveLength(3);
  });

  it('drops a cached SDK token Gitple refuses (401) and signs in again, once', async () => {
    const adapter = adapterFor();
    await adapter.send(TARGET, MESSAGE);
    gitple.revokeSdkTokens();

    const result = await adapter.send(TARGET, MESSAGE);

    expect(routes().slice(3)).toEqual([
      'POST /v1/sdk/group/channels/room-7/messages', // 401: the revoked token
      `POST /v1/users/${BOT}/token`,
      'POST /v1/sdk/users/token',
      'POST /v1/sdk/group/channels/room-7/messages',
    ]);
    expect(result.messageId).toBe(String(gitple.messages[1]?.message_id));
  });

  it('gives up with a permanent error when the new token is refused too', async () => {
    const adapter = adapterFor();
    await adapter.send(TARGET, MESSAGE);
    gitple.failNextMessageCalls(2, { status: 401 });

    const error = await caught(adapter.send(TARGET, MESSAGE));

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerStatus: 401 });
    expect(isRetryable(error)).toBe(false);
    expect(exchanges()).toBe(2);
    expect(gitple.messages).toHaveLength(1);
  });

  it('does not retry a 401 on a token it has just fetched', async () => {
    gitple.failNextMessageCalls(1, { status: 401 });

    const error = await caught(adapterFor().send(TARGET, MESSAGE));

    expect(error).toMatchObject({ providerStatus: 401 });
    expect(exchanges()).toBe(1);
    expect(routes().filter((r) => r.endsWith('/messages'))).toHaveLength(1);
  });

  it('turns a 429 into a retryable ProviderError carrying Retry-After', async () => {
    gitple.failNextMessageCalls(1, { status: 429, retryAfter: '7' });

    const error = await caught(adapterFor().send(TARGET, MESSAGE));

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerStatus: 429, retryAfterMs: 7000 });
    expect(isRetryable(error)).toBe(true);
    expect(gitple.messages).toHaveLength(0);
  });

  it('turns a 503 into a retryable ProviderError without a delay of its own', async () => {
    gitple.failNextMessageCalls(1, { status: 503 });

    const error = await caught(adapterFor().send(TARGET, MESSAGE));

    expect(error).toMatchObject({ providerStatus: 503, retryAfterMs: undefined });
    expect(isRetryable(error)).toBe(true);
  });

  it('turns a 403 (e.g. the bot is not a member) into a permanent ProviderError', async () => {
    gitple.failNextMessageCalls(1, { status: 403, body: { code: 60100, message: 'not member' } });

    const error = await caught(adapterFor().send(TARGET, MESSAGE));

    expect(error).toMatchObject({
      providerStatus: 403,
      message: 'gitple refused to send the message: HTTP 403',
    });
    expect(isRetryable(error)).toBe(false);
  });

  it('fails permanently, naming no secret, when the platform API refuses the key', async () => {
    const error = await caught(
      adapterFor({ GITPLE_APP_API_KEY: 'sk_wrong_key' }).send(TARGET, MESSAGE),
    );

    expect(error).toMatchObject({
      providerStatus: 401,
      message: "gitple refused to issue the bot's session token: HTTP 401",
    });
    expect(isRetryable(error)).toBe(false);
    expect(JSON.stringify({ ...(error as object), m: (error as Error).message })).not.toContain(
      'sk_wrong_key',
    );
    expect(routes()).toEqual([`POST /v1/users/${BOT}/token`]);
  });

  it('fails permanently when the bot user does not exist at Gitple', async () => {
    const error = await caught(
      adapterFor({ GITPLE_BOT_USER_ID: 'no-such-bot' }).send(TARGET, MESSAGE),
    );

    expect(error).toMatchObject({ providerStatus: 404 });
    expect(isRetryable(error)).toBe(false);
  });

  it('reports an unreachable Gitple as a retryable ProviderError without status', async () => {
    const adapter = adapterFor();
    await gitple.close();

    const error = await caught(adapter.send(TARGET, MESSAGE));
    gitple = await startFakeGitplePlatform({ appId: APP_ID, apiKey: API_KEY }); // for afterEach

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerStatus: undefined });
    expect(isRetryable(error)).toBe(true);
  });

  it('deletes a relayed copy through the SDK delete path, and a second delete is a no-op', async () => {
    const adapter = adapterFor();
    const { messageId } = await adapter.send(TARGET, MESSAGE);

    await adapter.delete!(TARGET, messageId, 'deleted at the origin');
    await adapter.delete!(TARGET, messageId, 'deleted at the origin');

    const deletes = gitple.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).toEqual([
      `/v1/sdk/group/channels/room-7/messages/${messageId}`,
      `/v1/sdk/group/channels/room-7/messages/${messageId}`,
    ]);
    expect(deletes[0]?.headers).toMatchObject({ app_id: APP_ID, user_id: BOT });
    expect(deletes[0]?.headers.authorization).toMatch(/^Bearer sdk-/);
    expect(gitple.messages[0]?.deleted).toBe(true);
    expect(exchanges()).toBe(1);
  });

  it('turns a throttled delete into a retryable ProviderError', async () => {
    const adapter = adapterFor();
    const { messageId } = await adapter.send(TARGET, MESSAGE);
    gitple.failNextMessageCalls(1, { status: 429, retryAfter: '2' });

    const error = await caught(adapter.delete!(TARGET, messageId, 'deleted at the origin'));

    expect(error).toMatchObject({ providerStatus: 429, retryAfterMs: 2000 });
    expect(gitple.messages[0]?.deleted).toBeUndefined();
  });

  describe('portal channels', () => {
    const PORTAL: DeliveryTarget = {
      provider: 'gitple',
      channel: 'ps-portal-1a2b3c4d5e6f7a8b',
      mode: 'message',
      create: { name: '{sender}', members: ['agent-1'] },
    };

    it('creates the channel as the bot, named by the bridge, with the bot and the members, then sends into it', async () => {
      const adapter = adapterFor();

      await adapter.createChannel!(PORTAL, {
        name: `Ana — ${'x'.repeat(200)}`,
        members: ['agent-1', BOT, 'agent-2'],
      });
      await adapter.send(PORTAL, MESSAGE);

      const create = gitple.requests.find((r) => r.path === '/v1/sdk/group/channels');
      expect(create).toMatchObject({
        method: 'POST',
        headers: { app_id: APP_ID, user_id: BOT },
        body: {
          channel_id: 'ps-portal-1a2b3c4d5e6f7a8b',
          members: [BOT, 'agent-1', 'agent-2'],
          reuse: true,
        },
      });
      expect(create?.headers.authorization).toMatch(/^Bearer sdk-/);
      const name = (create?.body as { name: string }).name;
      expect(Array.from(name)).toHaveLength(100);
      expect(name.startsWith('Ana — xxx')).toBe(true);
      expect(gitple.channels.get(PORTAL.channel)).toMatchObject({ created_by: BOT, freeze: false });
      expect(gitple.messages.map((m) => m.channel_id)).toEqual([PORTAL.channel]);
    });

    it('counts a channel that already has the id as created: reuse, or a 409 the channel can be read after', async () => {
      const adapter = adapterFor();
      await adapter.createChannel!(PORTAL, { name: 'first', members: [] });

      await adapter.createChannel!(PORTAL, { name: 'again', members: [] });
      gitple.failNextChannelCalls(1, { status: 409 });
      await adapter.createChannel!(PORTAL, { name: 'conflict', members: [] });

      expect(gitple.channels.get(PORTAL.channel)?.name).toBe('first');
      expect(
        routes().filter((r) => r.includes('/group/channels') && !r.includes('messages')),
      ).toEqual([
        'POST /v1/sdk/group/channels',
        'POST /v1/sdk/group/channels',
        'POST /v1/sdk/group/channels',
        `GET /v1/sdk/group/channels/${PORTAL.channel}`,
      ]);
    });

    it('turns a failed creation into a ProviderError the relay retries (5xx) or parks (4xx)', async () => {
      const adapter = adapterFor();
      gitple.failNextChannelCalls(1, { status: 503 });
      const outage = await caught(adapter.createChannel!(PORTAL, { name: 'n', members: [] }));
      gitple.failNextChannelCalls(1, { status: 400 });
      const refused = await caught(adapter.createChannel!(PORTAL, { name: 'n', members: [] }));

      expect(outage).toBeInstanceOf(ProviderError);
      expect(outage).toMatchObject({ message: 'gitple refused to create the channel: HTTP 503' });
      expect(isRetryable(outage)).toBe(true);
      expect(isRetryable(refused)).toBe(false);
      expect(gitple.channels.size).toBe(0);
    });

    it('freezes the channel to close it; one never made (404) is already closed', async () => {
      const adapter = adapterFor();
      await adapter.createChannel!(PORTAL, { name: 'n', members: [] });

      await adapter.closeChannel!(PORTAL);
      await adapter.closeChannel!({ ...PORTAL, channel: 'never-made' });
      const afterFreeze = await caught(adapter.send(PORTAL, MESSAGE));

      const freeze = gitple.requests.find((r) => r.path.endsWith('/freeze'));
      expect(freeze).toMatchObject({
        method: 'PUT',
        path: `/v1/sdk/group/channels/${PORTAL.channel}/freeze`,
        body: { freeze: true },
      });
      expect(gitple.channels.get(PORTAL.channel)?.freeze).toBe(true);
      expect(afterFreeze).toMatchObject({ providerStatus: 403 });
    });
  });

  it('says what it can do: send and delete text and look for its copies; no edits, attachments or replies', () => {
    expect(adapterFor().capabilities(TARGET)).toEqual({
      send: true,
      edit: false,
      delete: true,
      attachments: false,
      replies: false,
      maxTextLength: 4000,
      findSent: true,
    });
    expect(adapterFor().edit).toBeUndefined();
  });

  it('is unavailable, naming what is missing, and calls nothing when not configured', () => {
    const adapter = createGitpleOutboundAdapter({
      env: {},
      secrets: { GITPLE_HOST: gitple.url, GITPLE_APP_ID: APP_ID },
    });

    expect(adapter.unavailableReason()).toBe(
      'gitple is not configured: GITPLE_APP_API_KEY, GITPLE_BOT_USER_ID missing',
    );
    expect(gitple.requests).toHaveLength(0);
  });

  it('reads plain environment values when the secrets lack them', () => {
    const adapter = createGitpleOutboundAdapter({
      env: { GITPLE_BOT_USER_ID: BOT },
      secrets: {
        GITPLE_HOST: 'live.example.com',
        GITPLE_APP_ID: APP_ID,
        GITPLE_APP_API_KEY: API_KEY,
      },
    });

    expect(adapter.unavailableReason()).toBeUndefined();
  });

  it('is unavailable when GITPLE_HOST is not a host name', () => {
    const adapter = adapterFor({ GITPLE_HOST: 'http://exa mple' });

    expect(adapter.unavailableReason()).toBe(
      'gitple is not configured: GITPLE_HOST must be a host name such as live.example.com',
    );
  });
  describe('looking for a copy it sent (findSent)', () => {
    const LIST = 'GET /v1/sdk/group/channels/room-7/messages';
    /** A message some user wrote into room-7 at `at` (not through the bridge). */
    const chatter = (at: number, userId = 'ana', meta?: Record<string, string>) =>
      gitple.messages.push({
        message_id: 5000 + gitple.messages.length,
        channel_id: 'room-7',
        type: 'text',
        content: 'chatter',
        ...(meta && { meta }),
        user: { user_id: userId, name: userId },
        created_at: at,
        updated_at: at,
      });
    const lists = () => routes().filter((r) => r.startsWith(LIST));

    it('finds the bot’s copy carrying the whole marker, newest page first, and answers its id', async () => {
      const adapter = adapterFor();
      const { messageId } = await adapter.send(TARGET, MESSAGE);
      for (let i = 0; i < 5; i += 1) chatter(START + i);

      const search = await adapter.findSent!(TARGET, MESSAGE.marker, START - 10_000);

      expect(search).toEqual({ result: 'found', messageId });
      expect(lists()).toEqual([`${LIST}?limit=100&mode=prev`]);
      const list = gitple.requests.find((r) => r.method === 'GET');
      expect(list?.headers).toMatchObject({ app_id: APP_ID, user_id: BOT });
      expect(list?.headers.authorization).toMatch(/^Bearer sdk-/);
    });

    it('pages back by the oldest id seen until it finds the copy', async () => {
      const adapter = adapterFor();
      const { messageId } = await adapter.send(TARGET, MESSAGE);
      for (let i = 0; i < 250; i += 1) chatter(START + i);

      const search = await adapter.findSent!(TARGET, MESSAGE.marker, START - 10_000);

      expect(search).toEqual({ result: 'found', messageId });
      // The chatter's ids run 5001..5250: each page's oldest is the next page's base.
      const oldestOf = (page: number) => 5001 + 250 - 100 * page;
      expect(lists()).toEqual([
        `${LIST}?limit=100&mode=prev`,
        `${LIST}?limit=100&mode=prev&base_message_id=${oldestOf(1)}`,
        `${LIST}?limit=100&mode=prev&base_message_id=${oldestOf(2)}`,
      ]);
    });

    it('does not take a message that carries part of the marker, or the whole marker from someone else', async () => {
      const adapter = adapterFor();
      const { marker } = MESSAGE;
      chatter(START, 'ana', {
        bridge_origin: marker.origin,
        bridge_event: marker.eventId,
        orig_id: marker.originMessageId,
      });
      chatter(START + 1, BOT, {
        bridge_origin: marker.origin,
        bridge_event: marker.eventId,
        orig_id: 'another-message',
      });
      chatter(START - 60_000); // before the send could have been made: the search ends here

      const search = await adapter.findSent!(TARGET, marker, START - 10_000);

      expect(search).toEqual({ result: 'absent' });
      expect(lists()).toHaveLength(1);
    });

    it('answers absent once a page reaches back before the send, or the channel’s first message', async () => {
      const adapter = adapterFor();
      for (let i = 0; i < 150; i += 1) chatter(START + i * 100);

      const beforeTheSend = await adapter.findSent!(TARGET, MESSAGE.marker, START + 6_000);
      const wholeChannel = await adapter.findSent!(TARGET, MESSAGE.marker, START - 10_000);

      expect(beforeTheSend).toEqual({ result: 'absent' });
      expect(wholeChannel).toEqual({ result: 'absent' });
      // The newest page reached back past START + 6 s; the whole channel took two and an empty third.
      expect(lists()).toHaveLength(1 + 3);
    });

    it('answers absent for a channel Gitple does not know (404): a portal’s channel not made yet holds no copy', async () => {
      const adapter = adapterFor();
      gitple.failNextListCalls(1, { status: 404 });

      const search = await adapter.findSent!(TARGET, MESSAGE.marker, START);

      expect(search).toEqual({ result: 'absent' });
      // The channel itself was read first: it is not there either.
      expect(routes().slice(-2)).toEqual([
        `${LIST}?limit=100&mode=prev`,
        'GET /v1/sdk/group/channels/room-7',
      ]);
    });

    it('takes no 404 for an empty channel when the channel reads: the look fails for good, so nothing is sent blindly', async () => {
      const adapter = adapterFor();
      await adapter.createChannel!(TARGET, { name: 'Room 7', members: [] });
      await adapter.send(TARGET, MESSAGE);
      gitple.failNextListCalls(1, { status: 404 });

      const error = await caught(adapter.findSent!(TARGET, MESSAGE.marker, START));

      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ providerStatus: 404 });
      expect(isRetryable(error)).toBe(false);
    });

    it('gives up out of reach after 10 pages newer than the send, rather than list the channel', async () => {
      const adapter = adapterFor();
      for (let i = 0; i < 1100; i += 1) chatter(START + i);

      const search = await adapter.findSent!(TARGET, MESSAGE.marker, START - 10_000);

      expect(search).toEqual({
        result: 'out-of-reach',
        reason: 'more than 1000 messages since the send',
      });
      expect(lists()).toHaveLength(10);
    });

    it('fails like a send when the list fails: retryable for outages, final for a refusal or an unreadable answer', async () => {
      const adapter = adapterFor();
      gitple.failNextListCalls(1, { status: 503, retryAfter: '3' });
      gitple.failNextListCalls(1, { status: 403 });
      gitple.failNextListCalls(1, { status: 200, body: { items: [] } });

      const outage = await caught(adapter.findSent!(TARGET, MESSAGE.marker, START));
      const refused = await caught(adapter.findSent!(TARGET, MESSAGE.marker, START));
      const unreadable = await caught(adapter.findSent!(TARGET, MESSAGE.marker, START));

      expect(outage).toMatchObject({ providerStatus: 503, retryAfterMs: 3000 });
      expect(isRetryable(outage)).toBe(true);
      expect(refused).toMatchObject({ providerStatus: 403 });
      expect(isRetryable(refused)).toBe(false);
      expect(unreadable).toBeInstanceOf(ProviderError);
      expect(isRetryable(unreadable)).toBe(false);
      expect(String((unreadable as Error).message)).not.toContain(API_KEY);
    });
  });
});
