import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../../../functions/core/errors';
import { TRUNCATION_SUFFIX } from '../../../functions/core/format';
import type { DeliveryTarget, OutboundMessage } from '../../../functions/core/outbound';
import { isRetryable } from '../../../functions/core/retry';
import { reviewIvsMessage } from '../../../functions/ivs-review';
import {
  createIvsOutboundAdapter,
  IVS_NOT_CONFIGURED,
  type IvsOutboundAdapter,
  type IvsOutboundOptions,
} from '../../../functions/providers/ivs/outbound';
import {
  joinRoom,
  startFakeIvsChat,
  useWsAsGlobalWebSocket,
  type FakeIvsChat,
} from '../../support/fake-ivs-chat';
import { startHarness, storedEvents } from '../../support/harness';
import { channelKey } from '../../../functions/core/providers';

const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
const OTHER_ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/OtherRoom1';
const TARGET: DeliveryTarget = { provider: 'ivs', channel: ROOM, mode: 'message' };
const EVENT_TARGET: DeliveryTarget = { provider: 'ivs', channel: ROOM, mode: 'event' };

function outbound(text: string, overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    text,
    attachments: [],
    sender: { id: 'user-7', displayName: 'Ana' },
    marker: { origin: 'gitple', eventId: 'evt-123', originMessageId: '1012' },
    ...overrides,
  };
}

const utf8Size = (attributes: Record<string, string>) =>
  Object.entries(attributes).reduce(
    (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );

describe('IVS outbound adapter', () => {
  let fake: FakeIvsChat;
  let adapter: IvsOutboundAdapter;
  const adapters: IvsOutboundAdapter[] = [];
  const create = (options: Partial<IvsOutboundOptions> = {}) => {
    const created = createIvsOutboundAdapter({
      env: {
        IVS_BOT_USER_ID: 'bridge-bot',
        IVS_MESSAGING_URL: fake.messagingUrl,
        AWS_REGION: 'us-west-2',
      },
      ivs: fake.client(),
      sendTimeoutMs: 2000,
      ...options,
    });
    adapters.push(created);
    return created;
  };
  const messageFrames = () =>
    fake.sent.filter((f) => f.frame.Type === 'MESSAGE' && f.frame.RequestId);
  const sendFrames = () => fake.received.filter((f) => f.frame.Action === 'SEND_MESSAGE');
  const tokenCalls = () => fake.controlCalls.filter((c) => c.operation === 'CreateChatToken');

  beforeEach(async () => {
    fake = await startFakeIvsChat();
    adapter = create();
  });
  afterEach(async () => {
    for (const created of adapters.splice(0)) created.close();
    await fake.close();
  });

  describe('configuration and capabilities', () => {
    it('is unavailable without IVS_BOT_USER_ID and available with it', () => {
      const unconfigured = createIvsOutboundAdapter({ env: {}, ivs: fake.client() });

      expect(unconfigured.unavailableReason()).toBe(IVS_NOT_CONFIGURED);
      expect(IVS_NOT_CONFIGURED).toBe('ivs is not configured: IVS_BOT_USER_ID is not set');
      expect(adapter.unavailableReason()).toBeUndefined();
    });

    it('sends and deletes, cannot edit or look for its copies, takes no attachments or replies, 500 code points', () => {
      expect(adapter.capabilities(TARGET)).toEqual({
        send: true,
        edit: false,
        delete: true,
        attachments: false,
        replies: false,
        maxTextLength: 500,
        findSent: false,
      });
      expect(adapter.edit).toBeUndefined();
      expect(adapter.findSent).toBeUndefined();
    });
  });

  describe('send as a chat message (default mode)', () => {
    it('sends SEND_MESSAGE as the bridge bot with the marker and returns the IVS message id', async () => {
      const result = await adapter.send(TARGET, outbound('[gitple] Ana: hello'));

      const [frame] = sendFrames();
      expect(frame?.userId).toBe('bridge-bot');
      expect(frame?.frame).toEqual({
        Action: 'SEND_MESSAGE',
        RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        Content: '[gitple] Ana: hello',
        Attributes: {
          bridge_origin: 'gitple',
          bridge_event: 'evt-123',
          orig_id: '1012',
          sender: 'Ana',
        },
      });
      const [echo] = messageFrames();
      expect(result.messageId).toBe(echo?.frame.Id);
      expect(result.messageId).toMatch(/^[A-Za-z0-9]{12}$/);
      expect(tokenCalls().map((c) => c.body)).toEqual([
        {
          roomIdentifier: ROOM,
          userId: 'bridge-bot',
          capabilities: ['SEND_MESSAGE'],
          sessionDurationInMinutes: 180,
          attributes: { displayName: 'Bridge' },
        },
      ]);
    });

    it('shows up in a member’s real ChatRoom as a MESSAGE from the bot', async () => {
      const restore = useWsAsGlobalWebSocket();
      const viewer = await joinRoom(fake, { roomArn: ROOM, userId: 'viewer', capabilities: [] });
      try {
        const { messageId } = await adapter.send(TARGET, outbound('[gitple] Ana: hello'));

        await vi.waitFor(() => expect(viewer.messages).toHaveLength(1));
        expect(viewer.messages[0]).toMatchObject({
          id: messageId,
          content: '[gitple] Ana: hello',
          sender: { userId: 'bridge-bot', attributes: { displayName: 'Bridge' } },
          attributes: { bridge_origin: 'gitple', orig_id: '1012' },
        });
      } finally {
        viewer.leave();
        restore();
      }
    });

    it('comes back through the real review handler as an echo that is stored, not relayed', async () => {
      const harness = await startHarness();
      try {
        fake.onMessage = (input) => reviewIvsMessage(input);

        const { messageId } = await adapter.send(TARGET, outbound('[gitple] Ana: hello'));

        const [stored, ...rest] = await storedEvents(harness, channelKey('ivs', ROOM));
        expect(rest).toEqual([]);
        expect(stored?.echo).toBe(true);
        expect(stored?.event.data).toMatchObject({
          sender: { id: 'bridge-bot', displayName: 'Bridge' },
          message: { id: messageId, text: '[gitple] Ana: hello' },
          relayOf: { provider: 'gitple', eventId: 'evt-123' },
        });
      } finally {
        await harness.close();
      }
    });

    it('reuses one socket per room across sends and opens one per room', async () => {
      await adapter.send(TARGET, outbound('one'));
      await adapter.send(TARGET, outbound('two'));
      await adapter.send(TARGET, outbound('three'));
      await adapter.send({ ...TARGET, channel: OTHER_ROOM }, outbound('elsewhere'));

      expect(fake.connections.map((c) => c.roomArn)).toEqual([ROOM, OTHER_ROOM]);
      expect(tokenCalls()).toHaveLength(2);
      expect(sendFrames().map((f) => f.connectionId)).toEqual([1, 1, 1, 2]);
    });

    it('resolves concurrent sends on one socket each with its own message id', async () => {
      const texts = ['a', 'b', 'c', 'd', 'e', 'f'];

      const results = await Promise.all(texts.map((text) => adapter.send(TARGET, outbound(text))));

      expect(fake.connections).toHaveLength(1);
      const idByContent = new Map(messageFrames().map((f) => [f.frame.Content, f.frame.Id]));
      expect(results.map((r) => r.messageId)).toEqual(texts.map((text) => idByContent.get(text)));
      expect(new Set(results.map((r) => r.messageId)).size).toBe(texts.length);
    });

    it('replaces a socket the server closed, with a freshly minted token', async () => {
      await adapter.send(TARGET, outbound('before'));
      fake.dropConnections();
      await vi.waitFor(() => expect(fake.openConnections()).toHaveLength(0));

      const after = await adapter.send(TARGET, outbound('after'));

      expect(fake.connections).toHaveLength(2);
      expect(tokenCalls()).toHaveLength(2);
      expect(fake.refused).toEqual([]);
      expect(messageFrames().at(-1)?.frame).toMatchObject({
        Id: after.messageId,
        Content: 'after',
      });
    });

    it('reconnects with a fresh token before the chat session expires', async () => {
      let now = Date.now();
      const clocked = create({ now: () => now });
      await clocked.send(TARGET, outbound('early'));

      now += 180 * 60_000 - 30_000; // inside the renewal margin of the 180-minute session
      await clocked.send(TARGET, outbound('late'));

      expect(tokenCalls()).toHaveLength(2);
      expect(fake.connections).toHaveLength(2);
      await vi.waitFor(() => expect(fake.openConnections().map((c) => c.id)).toEqual([2]));
    });

    it('retries once on a fresh connection when IVS answers 401 (connection expired)', async () => {
      await adapter.send(TARGET, outbound('first'));
      fake.connections[0]!.sessionExpiresAt = Date.now() - 1; // the server now answers ERROR 401

      const result = await adapter.send(TARGET, outbound('second'));

      expect(fake.connections).toHaveLength(2);
      expect(messageFrames().at(-1)?.frame).toMatchObject({
        Id: result.messageId,
        Content: 'second',
      });
    });

    it('turns ERROR 429 into a retryable ProviderError and keeps the socket', async () => {
      fake.rateLimitNext();

      const error = await adapter.send(TARGET, outbound('too fast')).catch((e: unknown) => e);
      await adapter.send(TARGET, outbound('later'));

      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ providerStatus: 429, retryAfterMs: 1000 });
      expect(isRetryable(error)).toBe(true);
      expect(fake.connections).toHaveLength(1);
    });

    it('turns a review DENY (ERROR 406) into a permanent ProviderError naming the reason', async () => {
      fake.onMessage = () => ({
        ReviewResult: 'DENY',
        Content: '',
        Attributes: { Reason: 'blocked word' },
      });

      const error = await adapter.send(TARGET, outbound('a badword')).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({
        providerStatus: 406,
        message: expect.stringContaining('blocked word'),
      });
      expect(isRetryable(error)).toBe(false);
    });

    it('fails retryably when IVS does not answer in time, and does not trust that socket again', async () => {
      const impatient = create({ sendTimeoutMs: 150 });
      fake.holdSends = true;

      const error = await impatient.send(TARGET, outbound('lost?')).catch((e: unknown) => e);
      fake.holdSends = false;
      const retried = await impatient.send(TARGET, outbound('lost?'));

      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).providerStatus).toBeUndefined();
      expect(isRetryable(error)).toBe(true);
      expect(fake.connections).toHaveLength(2);
      expect(retried.messageId).toMatch(/^[A-Za-z0-9]{12}$/);
    });

    it('fails retryably when the messaging endpoint cannot be reached', async () => {
      const unreachable = create({
        env: { IVS_BOT_USER_ID: 'bridge-bot', IVS_MESSAGING_URL: 'ws://127.0.0.1:1' },
      });

      const error = await unreachable.send(TARGET, outbound('hi')).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ProviderError);
      expect(isRetryable(error)).toBe(true);
    });

    it('maps a throttled CreateChatToken to a retryable 429', async () => {
      fake.failNext('CreateChatToken');

      const error = await adapter.send(TARGET, outbound('hi')).catch((e: unknown) => e);

      expect(error).toMatchObject({
        providerStatus: 429,
        message: 'ivs refused CreateChatToken: ThrottlingException',
      });
      expect((error as ProviderError).cause).toMatchObject({ name: 'ThrottlingException' });
      expect(isRetryable(error)).toBe(true);
      expect(fake.connections).toHaveLength(0);
    });

    it('never sends text over 500 code points, and sends exactly 500 (astral characters count once)', async () => {
      const exactly = '😀'.repeat(500);

      const tooLong = await adapter.send(TARGET, outbound(`${exactly}!`)).catch((e: unknown) => e);
      const fits = await adapter.send(TARGET, outbound(exactly));

      expect(tooLong).toMatchObject({ providerStatus: 413 });
      expect(isRetryable(tooLong)).toBe(false);
      expect(sendFrames().map((f) => f.frame.Content)).toEqual([exactly]);
      expect(fits.messageId).toMatch(/^[A-Za-z0-9]{12}$/);
    });

    it('trims the sender name so the attributes stay within 1 KB', async () => {
      const longName = 'Ä'.repeat(2000);

      await adapter.send(TARGET, outbound('hi', { sender: { id: 'u', displayName: longName } }));

      const attributes = sendFrames()[0]!.frame.Attributes as Record<string, string>;
      expect(utf8Size(attributes)).toBeLessThanOrEqual(1024);
      expect(attributes.sender).toMatch(/^Ä+$/);
      expect(attributes).toMatchObject({
        bridge_origin: 'gitple',
        bridge_event: 'evt-123',
        orig_id: '1012',
      });
      expect(messageFrames()).toHaveLength(1);
    });
  });

  describe('send as a custom event (mode "event")', () => {
    it('calls SendEvent named bridge:message with text, sender and the marker', async () => {
      const restore = useWsAsGlobalWebSocket();
      const viewer = await joinRoom(fake, { roomArn: ROOM, userId: 'viewer', capabilities: [] });
      try {
        const result = await adapter.send(EVENT_TARGET, outbound('[gitple] Ana: hello'));

        const attributes = {
          text: '[gitple] Ana: hello',
          sender: 'Ana',
          bridge_origin: 'gitple',
          bridge_event: 'evt-123',
          orig_id: '1012',
        };
        const calls = fake.controlCalls.filter((c) => c.operation === 'SendEvent');
        expect(calls.map((c) => c.body)).toEqual([
          { roomIdentifier: ROOM, eventName: 'bridge:message', attributes },
        ]);
        await vi.waitFor(() => expect(viewer.events).toHaveLength(1));
        expect(viewer.events[0]).toMatchObject({
          id: result.messageId,
          eventName: 'bridge:message',
          attributes,
        });
        expect(viewer.messages).toEqual([]);
        // Event mode needs no socket of the bot: only the viewer is connected.
        expect(fake.connections.map((c) => c.userId)).toEqual(['viewer']);
      } finally {
        viewer.leave();
        restore();
      }
    });

    it('shrinks the text visibly so all attributes fit in 1 KB', async () => {
      const text = '語'.repeat(500); // 1500 bytes of UTF-8

      await adapter.send(EVENT_TARGET, outbound(text));

      const [call] = fake.controlCalls.filter((c) => c.operation === 'SendEvent');
      const attributes = call!.body.attributes as Record<string, string>;
      expect(utf8Size(attributes)).toBeLessThanOrEqual(1024);
      expect(attributes.text?.endsWith(TRUNCATION_SUFFIX)).toBe(true);
      expect(attributes.text?.startsWith('語語語')).toBe(true);
      expect(attributes.bridge_event).toBe('evt-123');
    });

    it('maps a throttled SendEvent to a retryable 429 with the SDK error as cause', async () => {
      fake.failNext('SendEvent');

      const error = await adapter.send(EVENT_TARGET, outbound('hi')).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ providerStatus: 429 });
      expect((error as ProviderError).cause).toMatchObject({ name: 'ThrottlingException' });
      expect(isRetryable(error)).toBe(true);
    });
  });

  describe('delete', () => {
    it('calls DeleteMessage with the room, the id and the reason; the room sees aws:DELETE_MESSAGE', async () => {
      const { messageId } = await adapter.send(TARGET, outbound('oops'));

      await adapter.delete!(TARGET, messageId, 'deleted upstream in Gitple');

      const calls = fake.controlCalls.filter((c) => c.operation === 'DeleteMessage');
      expect(calls.map((c) => c.body)).toEqual([
        { roomIdentifier: ROOM, id: messageId, reason: 'deleted upstream in Gitple' },
      ]);
      expect(fake.sent.at(-1)?.frame).toMatchObject({
        Type: 'EVENT',
        EventName: 'aws:DELETE_MESSAGE',
        Attributes: { MessageID: messageId, Reason: 'deleted upstream in Gitple' },
      });
    });

    it('keeps the reason within 1-256 characters', async () => {
      await adapter.delete!(TARGET, 'AbCdEfGhIjKl', 'x'.repeat(300));
      await adapter.delete!(TARGET, 'AbCdEfGhIjKl', '  ');

      const reasons = fake.controlCalls
        .filter((c) => c.operation === 'DeleteMessage')
        .map((c) => c.body.reason);
      expect(reasons).toEqual(['x'.repeat(256), 'deleted at the origin']);
    });

    it('maps a refused DeleteMessage to a permanent ProviderError with its status', async () => {
      fake.failNext('DeleteMessage', 1, {
        status: 404,
        type: 'ResourceNotFoundException',
        message: 'room not found',
      });

      const error = await adapter.delete!(TARGET, 'AbCdEfGhIjKl', 'gone').catch((e: unknown) => e);

      expect(error).toMatchObject({
        providerStatus: 404,
        message: 'ivs refused DeleteMessage: ResourceNotFoundException',
      });
      expect(isRetryable(error)).toBe(false);
    });
  });
});
