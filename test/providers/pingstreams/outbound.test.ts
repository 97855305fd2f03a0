import jwt from 'jsonwebtoken';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../functions/core/errors';
import type { DeliveryTarget, OutboundMessage } from '../../../functions/core/outbound';
import { isRetryable } from '../../../functions/core/retry';
import { createHash } from 'node:crypto';
import { pingstreams as pingstreamsModule } from '../../../functions/providers/pingstreams';
import { PINGSTREAMS_LIST_MAX_BYTES } from '../../../functions/providers/pingstreams/api-client';
import { createPingstreamsOutboundAdapter } from '../../../functions/providers/pingstreams/outbound';
import {
  startFakePingstreamsAuth,
  type FakePingstreamsAuth,
} from '../../support/fake-pingstreams-auth';
import { PROJECT_ID, REQUEST_ID } from './deliveries';

const PROJECT_SECRET = 'pingstreams-project-shared-secret';
const BOT = 'bridge-bot';
const MINUTE = 60_000;
// Near real time: the fake's exchange checks the custom JWT's exp against the real clock.
const START = Math.floor(Date.now() / 1000) * 1000;

const TARGET: DeliveryTarget = { provider: 'pingstreams', channel: REQUEST_ID, mode: 'message' };
const MESSAGES_PATH = `/${PROJECT_ID}/requests/${REQUEST_ID}/messages`;

const MESSAGE: OutboundMessage = {
  text: '[gitple] Ana: hi there',
  attachments: [],
  sender: { id: 'user-42', displayName: 'Ana Silva' },
  marker: { origin: 'gitple', eventId: 'gitple-ZXZlbnQtMTAxMg', originMessageId: '1012' },
};

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('Pingstreams outbound adapter', () => {
  let pingstreams: FakePingstreamsAuth;
  let clock: number;

  beforeEach(async () => {
    clock = START;
    pingstreams = await startFakePingstreamsAuth({
      projects: { [PROJECT_ID]: PROJECT_SECRET },
      now: () => clock,
    });
  });
  afterEach(() => pingstreams.close());

  const secrets = (overrides: Record<string, string> = {}) => ({
    PINGSTREAMS_API_URL: pingstreams.url,
    PINGSTREAMS_PROJECT_ID: PROJECT_ID,
    PINGSTREAMS_PROJECT_SECRET: PROJECT_SECRET,
    PINGSTREAMS_BOT_USER_ID: BOT,
    ...overrides,
  });
  const adapterFor = (overrides: Record<string, string> = {}) =>
    createPingstreamsOutboundAdapter({ env: {}, secrets: secrets(overrides), now: () => clock });
  const routes = () => pingstreams.requests.map((r) => `${r.method} ${r.path}`);
  const exchanges = () =>
    pingstreams.requests.filter((r) => r.path === '/auth/signinWithCustomToken').length;

  it("signs the bot in with the project's custom JWT and posts the text with the marker as attributes", async () => {
    const adapter = adapterFor();

    const result = await adapter.send(TARGET, MESSAGE);

    expect(routes()).toEqual([`POST /auth/signinWithCustomToken`, `POST ${MESSAGES_PATH}`]);
    const [signIn, post] = pingstreams.requests;
    expect(signIn?.claims).toMatchObject({
      _id: `${PROJECT_ID}_${BOT}`,
      sub: 'userexternal',
      aud: `https://pingstreams.com/projects/${PROJECT_ID}`,
      firstname: 'Bridge',
      iat: START / 1000,
      exp: START / 1000 + 3600,
    });
    const customToken = (signIn?.headers.authorization as string).slice('JWT '.length);
    expect(jwt.decode(customToken, { complete: true })?.header.alg).toBe('HS256');
    // The exchange answers `JWT <token>`: exactly one scheme goes back on the wire.
    expect(post?.headers.authorization).toBe(`JWT ${customToken}`);
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.body).toEqual({
      text: '[gitple] Ana: hi there',
      type: 'text',
      senderFullname: 'Ana Silva',
      attributes: {
        bridge_origin: 'gitple',
        bridge_event: 'gitple-ZXZlbnQtMTAxMg',
        orig_id: '1012',
      },
    });
    expect(pingstreams.messages).toHaveLength(1);
    expect(pingstreams.messages[0]).toMatchObject({
      sender: `${PROJECT_ID}_${BOT}`,
      recipient: REQUEST_ID,
      senderFullname: 'Ana Silva',
    });
    expect(result).toEqual({ messageId: pingstreams.messages[0]?._id });
  });

  it("labels the message 'Bridge' when the sender has no display name", async () => {
    await adapterFor().send(TARGET, { ...MESSAGE, sender: { id: 'user-42' } });

    expect(pingstreams.messages[0]?.senderFullname).toBe('Bridge');
  });

  it('keeps unicode text intact', async () => {
    const text = 'Olá, 世界! 👩🏽‍⚕️ café — naïve 🚑';

    await adapterFor().send(TARGET, { ...MESSAGE, text });

    expect(pingstreams.messages[0]?.text).toBe(text);
  });

  it('signs in once for many sends, concurrent or not, and returns each saved _id', async () => {
    const adapter = adapterFor();

    const concurrent = await Promise.all([1, 2, 3].map(() => adapter.send(TARGET, MESSAGE)));
    const later = await adapter.send(TARGET, MESSAGE);

    expect(exchanges()).toBe(1);
    const ids = [...concurrent, later].map((r) => r.messageId);
    expect(ids).toEqual(pingstreams.messages.map((m) => m._id));
    expect(new Set(ids).size).toBe(4);
  });

  it('signs in again shortly before the session token expires', async () => {
    const adapter = adapterFor();
    await adapter.send(TARGET, MESSAGE); // the token lives one hour

    clock = START + 54 * MINUTE;
    await adapter.send(TARGET, MESSAGE);
    const exchangesBefore = exchanges();
    clock = START + 56 * MINUTE;
    await adapter.send(TARGET, MESSAGE);

    expect(exchangesBefore).toBe(1);
    expect(exchanges()).toBe(2);
    const renewed = pingstreams.requests.filter((r) => r.claims).at(-1);
    expect(renewed?.claims?.iat).toBe((START + 56 * MINUTE) / 1000);
    expect(pingstreams.requests.at(-1)?.headers.authorization).toBe(renewed?.headers.authorization);
    expect(pingstreams.messages).toHaveLength(3);
  });

  it('signs in again, once, when Pingstreams refuses a cached token (401)', async () => {
    const adapter = adapterFor();
    await adapter.send(TARGET, MESSAGE);
    pingstreams.revokeTokens();

    const result = await adapter.send(TARGET, MESSAGE);

    expect(routes().slice(2)).toEqual([
      `POST ${MESSAGES_PATH}`, // 401: the revoked token
      'POST /auth/signinWithCustomToken',
      `POST ${MESSAGES_PATH}`,
    ]);
    expect(result.messageId).toBe(pingstreams.messages[1]?._id);
  });

  it('gives up with a permanent error when the new token is refused too', async () => {
    const adapter = adapterFor();
    await adapter.send(TARGET, MESSAGE);
    pingstreams.failNextMessageCalls(2, { status: 401 });

    const error = await caught(adapter.send(TARGET, MESSAGE));

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerStatus: 401 });
    expect(isRetryable(error)).toBe(false);
    expect(exchanges()).toBe(2);
    expect(pingstreams.messages).toHaveLength(1);
  });

  it('does not retry a 401 on a token it has just fetched', async () => {
    pingstreams.failNextMessageCalls(1, { status: 401 });

    const error = await caught(adapterFor().send(TARGET, MESSAGE));

    expect(error).toMatchObject({ providerStatus: 401 });
    expect(exchanges()).toBe(1);
  });

  it('turns a 429 into a retryable ProviderError carrying Retry-After', async () => {
    pingstreams.failNextMessageCalls(1, { status: 429, retryAfter: '12' });

    const error = await caught(adapterFor().send(TARGET, MESSAGE));

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerStatus: 429, retryAfterMs: 12_000 });
    expect(isRetryable(error)).toBe(true);
    expect(pingstreams.messages).toHaveLength(0);
  });

  it('turns a 503 into a retryable ProviderError', async () => {
    pingstreams.failNextMessageCalls(1, { status: 503 });

    const error = await caught(adapterFor().send(TARGET, MESSAGE));

    expect(error).toMatchObject({ providerStatus: 503, retryAfterMs: undefined });
    expect(isRetryable(error)).toBe(true);
  });

  it('turns a 422 (no text) into a permanent ProviderError', async () => {
    const error = await caught(adapterFor().send(TARGET, { ...MESSAGE, text: '' }));

    expect(error).toMatchObject({
      providerStatus: 422,
      message: 'pingstreams refused to send the message: HTTP 422',
    });
    expect(isRetryable(error)).toBe(false);
    expect(pingstreams.messages).toHaveLength(0);
  });

  it('turns a 403 (e.g. the bot is no longer an active project user) into a permanent error', async () => {
    pingstreams.failNextMessageCalls(1, {
      status: 403,
      body: { success: false, msg: 'you dont belong to the project.' },
    });

    const error = await caught(adapterFor().send(TARGET, MESSAGE));

    expect(error).toMatchObject({ providerStatus: 403 });
    expect(isRetryable(error)).toBe(false);
  });

  it('fails permanently, naming no secret, when the project secret is wrong', async () => {
    const error = await caught(
      adapterFor({ PINGSTREAMS_PROJECT_SECRET: 'rotated-away-secret' }).send(TARGET, MESSAGE),
    );

    expect(error).toMatchObject({
      providerStatus: 401,
      message: 'pingstreams refused to sign the bot in: HTTP 401',
    });
    expect(isRetryable(error)).toBe(false);
    expect((error as Error).message).not.toContain('rotated-away-secret');
    expect(routes()).toEqual(['POST /auth/signinWithCustomToken']);
  });

  it('reports an unreachable Pingstreams as a retryable ProviderError without status', async () => {
    const adapter = adapterFor();
    await pingstreams.close();

    const error = await caught(adapter.send(TARGET, MESSAGE));
    pingstreams = await startFakePingstreamsAuth({ projects: {} }); // for afterEach

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerStatus: undefined });
    expect(isRetryable(error)).toBe(true);
  });

  it('names a portal’s request in Pingstreams’ own form, and creates it with the first message', async () => {
    const part = pingstreamsModule.channelCreation;
    if (!part || 'unsupported' in part) throw new Error('pingstreams creates requests');
    const key = 'gs-portal-1a2b3c4d5e6f7a8b';
    const id = part.channelId(key, { PINGSTREAMS_PROJECT_ID: PROJECT_ID })!;
    const target: DeliveryTarget = { ...TARGET, channel: id, create: { name: 'n', members: [] } };
    const adapter = adapterFor();

    await adapter.createChannel!(target, { name: 'Ana — room-7', members: [] });
    const before = pingstreams.requests.length;
    await adapter.send(target, MESSAGE);

    expect(id).toBe(
      `support-group-${PROJECT_ID}-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`,
    );
    expect(part.channelId(key, {})).toBeUndefined();
    expect(part.maxMembers).toBe(0);
    expect(before).toBe(0);
    expect(pingstreams.messages.map((m) => m.recipient)).toEqual([id]);
    // Closing a request takes an agent; the bot is an end user, so it does not try.
    expect(adapter.closeChannel).toBeUndefined();
  });

  it('says what it can do: send text and look for its copies', () => {
    const adapter = adapterFor();

    expect(adapter.capabilities(TARGET)).toEqual({
      send: true,
      edit: false,
      delete: false,
      attachments: false,
      replies: false,
      maxTextLength: 4000,
      findSent: true,
    });
    expect(adapter.edit).toBeUndefined();
    expect(adapter.delete).toBeUndefined();
  });

  it('is unavailable, naming what is missing, and calls nothing when not configured', () => {
    const adapter = createPingstreamsOutboundAdapter({
      env: {},
      secrets: { PINGSTREAMS_PROJECT_ID: PROJECT_ID, PINGSTREAMS_PROJECT_SECRET: PROJECT_SECRET },
    });

    expect(adapter.unavailableReason()).toBe(
      'pingstreams is not configured: PINGSTREAMS_BOT_USER_ID missing',
    );
    expect(pingstreams.requests).toHaveLength(0);
  });

  it('defaults to the Pingstreams cloud API and rejects a URL that is not http(s)', () => {
    const cloud = createPingstreamsOutboundAdapter({
      env: { PINGSTREAMS_BOT_USER_ID: BOT },
      secrets: { PINGSTREAMS_PROJECT_ID: PROJECT_ID, PINGSTREAMS_PROJECT_SECRET: PROJECT_SECRET },
    });
    const wrong = adapterFor({ PINGSTREAMS_API_URL: 'ftp://api.pingstreams.com/v3' });

    expect(cloud.unavailableReason()).toBeUndefined();
    expect(wrong.unavailableReason()).toBe(
      'pingstreams is not configured: PINGSTREAMS_API_URL is not an http(s) URL',
    );
  });
  describe('looking for a copy it sent (findSent)', () => {
    const lists = () => routes().filter((r) => r === `GET ${MESSAGES_PATH}`);
    /** A message some user wrote into the request (not through the bridge). */
    const chatter = (sender: string, attributes?: Record<string, unknown>) =>
      pingstreams.messages.push({
        _id: `65f1c0ffee00000000${String(pingstreams.messages.length).padStart(6, '0')}`,
        sender,
        senderFullname: sender,
        recipient: REQUEST_ID,
        type: 'text',
        channel_type: 'group',
        text: 'chatter',
        channel: { name: 'chat21' },
        id_project: PROJECT_ID,
        status: 0,
        ...(attributes && { attributes }),
        createdBy: sender,
        createdAt: new Date(clock).toISOString(),
        updatedAt: new Date(clock).toISOString(),
        __v: 0,
      });

    it('lists the request’s messages as the bot and finds its copy carrying the whole marker', async () => {
      const adapter = adapterFor();
      const { messageId } = await adapter.send(TARGET, MESSAGE);
      for (let i = 0; i < 300; i += 1) chatter(`${PROJECT_ID}_user-42`);

      const search = await adapter.findSent!(TARGET, MESSAGE.marker, clock - 10_000);

      expect(search).toEqual({ result: 'found', messageId });
      // One call: Tiledesk answers the whole conversation, unpaged.
      expect(lists()).toHaveLength(1);
      const list = pingstreams.requests.find((r) => r.method === 'GET');
      expect(list?.headers.authorization).toMatch(/^JWT /);
    });

    it('answers absent when no message of the bot carries the whole marker', async () => {
      const adapter = adapterFor();
      const { marker } = MESSAGE;
      const full = {
        bridge_origin: marker.origin,
        bridge_event: marker.eventId,
        orig_id: marker.originMessageId,
      };
      chatter(`${PROJECT_ID}_user-42`, full);
      chatter(`${PROJECT_ID}_${BOT}`, { ...full, orig_id: 'another-message' });
      await adapter.send(TARGET, { ...MESSAGE, marker: { ...marker, eventId: 'gitple-other' } });

      const search = await adapter.findSent!(TARGET, marker, clock - 10_000);

      expect(search).toEqual({ result: 'absent' });
    });

    it('answers out of reach, parsing nothing, when the request’s list is longer than it reads', async () => {
      const adapter = adapterFor();
      const { marker } = MESSAGE;
      await adapter.send(TARGET, MESSAGE);
      chatter(`${PROJECT_ID}_user-42`, { note: 'x'.repeat(PINGSTREAMS_LIST_MAX_BYTES) });

      const search = await adapter.findSent!(TARGET, marker, clock - 10_000);

      // The copy is in there, but an unbounded answer is not parsed: the relay sends again,
      // flagged, rather than risk its memory.
      expect(search).toEqual({
        result: 'out-of-reach',
        reason: "the request's message list is over 8 MB",
      });
      expect(lists()).toHaveLength(1);
    });

    it('answers absent for a request with no messages yet', async () => {
      const search = await adapterFor().findSent!(TARGET, MESSAGE.marker, clock);

      expect(search).toEqual({ result: 'absent' });
    });

    it('fails like a send when the list fails: retryable for outages, final for a refusal or an unreadable answer', async () => {
      const adapter = adapterFor();
      pingstreams.failNextListCalls(1, { status: 429, retryAfter: '2' });
      pingstreams.failNextListCalls(1, { status: 403 });
      pingstreams.failNextListCalls(1, { status: 200, body: { messages: 'none' } });

      const outage = await caught(adapter.findSent!(TARGET, MESSAGE.marker, clock));
      const refused = await caught(adapter.findSent!(TARGET, MESSAGE.marker, clock));
      const unreadable = await caught(adapter.findSent!(TARGET, MESSAGE.marker, clock));

      expect(outage).toMatchObject({ providerStatus: 429, retryAfterMs: 2000 });
      expect(isRetryable(outage)).toBe(true);
      expect(refused).toMatchObject({ providerStatus: 403 });
      expect(isRetryable(refused)).toBe(false);
      expect(unreadable).toBeInstanceOf(ProviderError);
      expect(isRetryable(unreadable)).toBe(false);
      expect(String((unreadable as Error).message)).not.toContain(PROJECT_SECRET);
    });
  });
});
