import {
  CreateChatTokenCommand,
  DeleteMessageCommand,
  IvschatClient,
  SendEventCommand,
} from '@aws-sdk/client-ivschat';
import {
  DeleteMessageRequest,
  SendMessageRequest,
  type ChatError,
} from 'amazon-ivs-chat-messaging';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { reviewIvsMessage } from '../../../functions/ivs-review';
import { startHarness, storedEvents } from '../../support/harness';
import {
  joinRoom,
  startFakeIvsChat,
  useWsAsGlobalWebSocket,
  type FakeIvsChat,
  type RoomMember,
} from '../../support/fake-ivs-chat';
import { channelKey } from '../../../functions/core/providers';

// The room of the `support` bridge in bridges.json, so the review-handler test stores under it.
const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
const OTHER_ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/OtherRoom1';

/** The fake is proven against the real clients: amazon-ivs-chat-messaging and @aws-sdk/client-ivschat. */
describe('fake IVS Chat against the real clients', () => {
  let fake: FakeIvsChat;
  let restoreWebSocket: () => void;
  const members: RoomMember[] = [];
  const join = async (options: Parameters<typeof joinRoom>[1]) => {
    const member = await joinRoom(fake, options);
    members.push(member);
    return member;
  };

  beforeEach(async () => {
    restoreWebSocket = useWsAsGlobalWebSocket();
    fake = await startFakeIvsChat();
  });
  afterEach(async () => {
    for (const member of members.splice(0)) member.leave();
    await fake.close();
    restoreWebSocket();
  });

  it('lets a ChatRoom connect with a CreateChatToken token, send, and receive its message', async () => {
    const ana = await join({ roomArn: ROOM, userId: 'ana', attributes: { displayName: 'Ana' } });
    const bo = await join({ roomArn: ROOM, userId: 'bo' });

    const sent = await ana.room.sendMessage(new SendMessageRequest('hello', { k: 'v' }));

    expect(sent).toMatchObject({
      content: 'hello',
      attributes: { k: 'v' },
      sender: { userId: 'ana', attributes: { displayName: 'Ana' } },
    });
    expect(sent.id).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(sent.sendTime).toBeInstanceOf(Date);
    await vi.waitFor(() => expect(bo.messages.map((m) => m.id)).toEqual([sent.id]));
    // Only the sender's copy carries its RequestId.
    expect(bo.messages[0]?.requestId).toBeUndefined();
    expect(fake.received[0]?.frame).toEqual({
      Action: 'SEND_MESSAGE',
      RequestId: sent.requestId,
      Content: 'hello',
      Attributes: { k: 'v' },
    });
  });

  it('keeps rooms apart', async () => {
    const ana = await join({ roomArn: ROOM, userId: 'ana' });
    const elsewhere = await join({ roomArn: OTHER_ROOM, userId: 'cy' });

    await ana.room.sendMessage(new SendMessageRequest('only here'));

    expect(fake.sent.filter((f) => f.roomArn === OTHER_ROOM)).toEqual([]);
    expect(elsewhere.messages).toEqual([]);
  });

  it('delivers a moderator delete and a control-plane DeleteMessage as messageDelete events', async () => {
    const mod = await join({
      roomArn: ROOM,
      userId: 'mod',
      capabilities: ['SEND_MESSAGE', 'DELETE_MESSAGE'],
    });
    const viewer = await join({ roomArn: ROOM, userId: 'viewer', capabilities: [] });
    const first = await mod.room.sendMessage(new SendMessageRequest('one'));
    const second = await mod.room.sendMessage(new SendMessageRequest('two'));

    const deleted = await mod.room.deleteMessage(new DeleteMessageRequest(first.id, 'spam'));
    const output = await fake
      .client()
      .send(new DeleteMessageCommand({ roomIdentifier: ROOM, id: second.id, reason: 'upstream' }));

    expect(deleted).toMatchObject({ messageId: first.id, reason: 'spam' });
    expect(output.id).toMatch(/^[A-Za-z0-9]{12}$/);
    await vi.waitFor(() =>
      expect(viewer.deletes.map((d) => [d.messageId, d.reason])).toEqual([
        [first.id, 'spam'],
        [second.id, 'upstream'],
      ]),
    );
    expect(viewer.deletes[1]?.id).toBe(output.id);
  });

  it('delivers SendEvent as a custom event, never as a message', async () => {
    const viewer = await join({ roomArn: ROOM, userId: 'viewer', capabilities: [] });

    const output = await fake.client().send(
      new SendEventCommand({
        roomIdentifier: ROOM,
        eventName: 'bridge:message',
        attributes: { text: 'hi' },
      }),
    );

    await vi.waitFor(() => expect(viewer.events).toHaveLength(1));
    expect(viewer.events[0]).toMatchObject({
      id: output.id,
      eventName: 'bridge:message',
      attributes: { text: 'hi' },
    });
    expect(viewer.messages).toEqual([]);
  });

  it('answers ERROR 403 for a missing capability, 406 for a review DENY and 429 when rate limited', async () => {
    const viewer = await join({ roomArn: ROOM, userId: 'viewer', capabilities: [] });
    const ana = await join({ roomArn: ROOM, userId: 'ana' });
    fake.onMessage = (input) =>
      input.Content.includes('badword')
        ? { ReviewResult: 'DENY', Content: '', Attributes: { Reason: 'blocked word' } }
        : 'ALLOW';

    const forbidden = await viewer.room
      .sendMessage(new SendMessageRequest('hi'))
      .catch((e: ChatError) => e);
    const denied = await ana.room
      .sendMessage(new SendMessageRequest('a badword'))
      .catch((e: ChatError) => e);
    fake.rateLimitNext();
    const limited = await ana.room
      .sendMessage(new SendMessageRequest('again'))
      .catch((e: ChatError) => e);

    expect(forbidden).toMatchObject({ errorCode: 403 });
    expect(denied).toMatchObject({ errorCode: 406, errorMessage: 'blocked word' });
    expect(limited).toMatchObject({ errorCode: 429 });
    expect(fake.sent.filter((f) => f.frame.Type === 'MESSAGE')).toEqual([]);
  });

  it('calls the review hook with the exact review-handler input, so the real handler can be wired in', async () => {
    const harness = await startHarness();
    try {
      fake.onMessage = (input) => reviewIvsMessage(input);
      const ana = await join({ roomArn: ROOM, userId: 'ana', attributes: { displayName: 'Ana' } });

      const sent = await ana.room.sendMessage(new SendMessageRequest('hello', { k: 'v' }));

      expect(fake.reviews).toEqual([
        {
          Content: 'hello',
          MessageId: sent.id,
          RoomArn: ROOM,
          Attributes: { k: 'v' },
          Sender: { Attributes: { displayName: 'Ana' }, UserId: 'ana', Ip: '127.0.0.1' },
        },
      ]);
      const [stored] = await storedEvents(harness, channelKey('ivs', ROOM));
      expect(stored?.event.data).toMatchObject({
        provider: 'ivs',
        sender: { id: 'ana', displayName: 'Ana' },
        message: { id: sent.id, text: 'hello' },
      });
    } finally {
      await harness.close();
    }
  });

  it('opens one connection per token and refuses unknown or reused tokens', async () => {
    const { token } = await fake
      .client()
      .send(new CreateChatTokenCommand({ roomIdentifier: ROOM, userId: 'ana' }));
    const open = (protocol: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(fake.messagingUrl, protocol);
        socket.on('open', () => {
          resolve('open');
          socket.close();
        });
        socket.on('error', (error) => resolve(error.message));
      });

    const first = await open(token!);
    const reused = await open(token!);
    const unknown = await open('AQICAHnot-a-token');

    expect(first).toBe('open');
    expect(reused).toMatch(/403/);
    expect(unknown).toMatch(/403/);
    expect(fake.refused).toEqual([
      'token already used (a token opens one connection)',
      'unknown token',
    ]);
  });

  it('answers the control plane in rest-json, errors included, as the SDK parses them', async () => {
    const client = fake.client();
    fake.failNext('SendEvent');

    const throttled = await client
      .send(new SendEventCommand({ roomIdentifier: ROOM, eventName: 'x' }))
      .catch((e: unknown) => e);
    const invalid = await client
      .send(
        new CreateChatTokenCommand({
          roomIdentifier: ROOM,
          userId: 'ana',
          sessionDurationInMinutes: 181,
        }),
      )
      .catch((e: unknown) => e);
    const token = await client.send(
      new CreateChatTokenCommand({
        roomIdentifier: ROOM,
        userId: 'ana',
        sessionDurationInMinutes: 180,
      }),
    );

    expect(throttled).toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    });
    expect(invalid).toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(token.sessionExpirationTime!.getTime() - Date.now()).toBeGreaterThan(179 * 60_000);
    expect(fake.controlCalls.map((c) => c.operation)).toEqual([
      'SendEvent',
      'CreateChatToken',
      'CreateChatToken',
    ]);
    expect(fake.controlCalls[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 .*SignedHeaders=/,
    );
  });

  it('is reached through AWS_ENDPOINT_URL_IVSCHAT by a client built with no endpoint', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_IVSCHAT', fake.endpoint);
    const client = new IvschatClient({
      region: 'us-west-2',
      credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
    });
    try {
      const output = await client.send(
        new SendEventCommand({ roomIdentifier: ROOM, eventName: 'bridge:message' }),
      );

      expect(output.id).toMatch(/^[A-Za-z0-9]{12}$/);
      expect(fake.controlCalls.map((c) => c.operation)).toEqual(['SendEvent']);
    } finally {
      client.destroy();
      vi.unstubAllEnvs();
    }
  });
});
