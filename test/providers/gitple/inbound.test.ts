import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/core/errors';
import type { Normalized } from '../../../functions/core/inbound';
import { createGitpleWebhookAdapter } from '../../../functions/providers/gitple/webhook';
import { fixture } from '../../support/harness';

const adapter = createGitpleWebhookAdapter({ GITPLE_WEBHOOK_KEY: 'test-key' });
const ROOM = { id: 'room-7', name: 'Support 7' };
const ANA = { id: 'user-42', displayName: 'Ana' };
const ANA_WITH_AVATAR = { ...ANA, avatarUrl: 'https://cdn.example.com/u/42.png' };

function normalizeFixture(name: string): Normalized {
  const { body } = fixture<{ body: unknown }>(`gitple/${name}`);
  return adapter.normalize(adapter.parse(body));
}

function validationErrorOf(name: string): ValidationError {
  try {
    normalizeFixture(name);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`${name} was accepted`);
}

describe('Gitple webhook normalization: messages', () => {
  it('turns group:message_send into chat.message.created identified by channel and message id', () => {
    const result = normalizeFixture('webhook-message-send.json');

    expect(result).toEqual({
      events: [
        {
          type: 'chat.message.created',
          channel: ROOM,
          occurredAt: 1714644005000,
          identity: ['room-7', '1012'],
          sender: ANA,
          message: { id: '1012', text: 'hi there', attachments: [] },
        },
      ],
      ignored: [],
    });
  });

  it('keeps unicode and emoji text byte for byte, and the profile picture as avatar', () => {
    const [draft] = normalizeFixture('webhook-message-send-unicode.json').events;

    expect(draft).toEqual({
      type: 'chat.message.created',
      channel: ROOM,
      occurredAt: 1714644010000,
      identity: ['room-7', '1013'],
      sender: ANA_WITH_AVATAR,
      message: {
        id: '1013',
        text: '안녕하세요 👋🏽 café — 你好 👨‍👩‍👧 ∑ ﷽',
        attachments: [],
        meta: { lang: 'ko' },
      },
    });
  });

  it('keeps an empty content as empty text', () => {
    const [draft] = normalizeFixture('webhook-message-send-empty-text.json').events;

    expect(draft?.message).toEqual({ id: '1014', text: '', attachments: [] });
  });

  it('turns a file message into one attachment and no text', () => {
    const [draft] = normalizeFixture('webhook-message-send-file.json').events;

    expect(draft?.message).toEqual({
      id: '1015',
      attachments: [
        {
          url: 'https://files.example.com/room-7/screenshot%201.png',
          name: 'screenshot 1.png',
          contentType: 'image/png',
          size: 48213,
        },
      ],
    });
  });

  it('accepts a message with every optional field missing, taking the channel from the message', () => {
    const result = normalizeFixture('webhook-message-send-minimal.json');

    expect(result.events).toEqual([
      {
        type: 'chat.message.created',
        channel: { id: 'room-7' },
        occurredAt: 1714644020000,
        identity: ['room-7', '1016'],
        sender: { id: 'user-42' },
        message: { id: '1016', text: 'no frills', attachments: [] },
      },
    ]);
  });

  it('accepts unknown extra fields at every level and leaves them out of the draft', () => {
    const [draft] = normalizeFixture('webhook-message-send-extra-fields.json').events;

    expect(draft?.sender).toEqual(ANA_WITH_AVATAR);
    expect(draft?.message).toEqual({ id: '1017', text: 'with extras', attachments: [] });
  });

  it('reads the echo marker from meta and keeps the rest of meta', () => {
    const [draft] = normalizeFixture('webhook-message-send-echo.json').events;

    expect(draft?.echoMarker).toEqual({
      provider: 'ivs',
      eventId: 'ivs-Qm9vYmFyYmF6cXV4cXV1eGNvcmd',
      originMessageId: '5OPsDdX18qcJ',
    });
    expect(draft?.message?.meta).toEqual({ lang: 'en' });
    expect(draft?.sender).toEqual({ id: 'bridge-bot', displayName: 'Bridge' });
  });

  it('turns message_update into chat.message.updated, one event per update time, with the filter', () => {
    const result = normalizeFixture('webhook-message-update.json');

    expect(result.events).toEqual([
      {
        type: 'chat.message.updated',
        channel: ROOM,
        occurredAt: 1714644300000,
        identity: ['room-7', '1012', '1714644300000'],
        sender: ANA_WITH_AVATAR,
        message: {
          id: '1012',
          text: 'what the ****',
          attachments: [],
          meta: {
            edited_by: 'moderator-1',
            filter: { origin_content: 'what the hell', type: ['profanity'] },
          },
        },
      },
    ]);
  });

  it('turns message_delete into chat.message.deleted identified by the message alone', () => {
    const result = normalizeFixture('webhook-message-delete.json');

    expect(result.events).toEqual([
      {
        type: 'chat.message.deleted',
        channel: ROOM,
        occurredAt: 1714644100000,
        identity: ['room-7', '1012'],
        sender: ANA,
        message: { id: '1012', attachments: [] },
      },
    ]);
  });
});

describe('Gitple webhook normalization: channels, members and receipts', () => {
  it.each([
    [
      'webhook-channel-update.json',
      'chat.channel.updated',
      { ...ROOM, name: 'Support 7 (VIP)' },
      1714644600000,
      ['room-7', '1714644600000'],
    ],
    [
      'webhook-channel-freeze.json',
      'chat.channel.frozen',
      ROOM,
      1714644700000,
      ['room-7', '1714644700000'],
    ],
    ['webhook-channel-delete.json', 'chat.channel.deleted', ROOM, 1714644800000, ['room-7']],
  ])('%s becomes %s', (name, type, channel, occurredAt, identity) => {
    const result = normalizeFixture(name);

    expect(result).toEqual({ events: [{ type, channel, occurredAt, identity }], ignored: [] });
  });

  it('turns channel_join into chat.member.joined at the joined_at time', () => {
    const [draft] = normalizeFixture('webhook-channel-join.json').events;

    expect(draft).toEqual({
      type: 'chat.member.joined',
      channel: ROOM,
      occurredAt: 1714644200000,
      identity: ['room-7', 'user-77', '1714644200000'],
      member: { id: 'user-77', displayName: 'Ben' },
    });
  });

  it('turns channel_leave into chat.member.left at the channel update time', () => {
    const [draft] = normalizeFixture('webhook-channel-leave.json').events;

    expect(draft).toMatchObject({
      type: 'chat.member.left',
      occurredAt: 1714644500000,
      identity: ['room-7', 'user-77', '1714644500000'],
      member: { id: 'user-77', displayName: 'Ben' },
    });
  });

  it('turns channel_ban into chat.member.banned with the reason and the end as an ISO time', () => {
    const [draft] = normalizeFixture('webhook-channel-ban.json').events;

    expect(draft).toEqual({
      type: 'chat.member.banned',
      channel: ROOM,
      occurredAt: 1714644400000,
      identity: ['room-7', 'user-77', '1714644400000'],
      member: {
        id: 'user-77',
        displayName: 'Ben',
        reason: 'spam links',
        until: '2024-05-02T11:06:40.000Z',
      },
    });
  });

  it('turns channel_unban into chat.member.unbanned', () => {
    const [draft] = normalizeFixture('webhook-channel-unban.json').events;

    expect(draft).toMatchObject({
      type: 'chat.member.unbanned',
      identity: ['room-7', 'user-77', '1714648000000'],
      member: { id: 'user-77', displayName: 'Ben' },
    });
  });

  it('turns a read event into one chat.receipt.read per reader in the receipt map', () => {
    const result = normalizeFixture('webhook-message-read.json');

    expect(result.events).toEqual([
      {
        type: 'chat.receipt.read',
        channel: ROOM,
        occurredAt: 1714644900000,
        identity: ['room-7', 'user-42', '1714644900000'],
        sender: { id: 'user-42' },
      },
      {
        type: 'chat.receipt.read',
        channel: ROOM,
        occurredAt: 1714644100000,
        identity: ['room-7', 'user-77', '1714644100000'],
        sender: { id: 'user-77' },
      },
    ]);
  });

  it('turns a delivered event naming its user into one chat.receipt.delivered', () => {
    const webhook = adapter.parse({
      category: 'group:channel_message_delivered_event',
      channel: { channel_id: 'room-7', updated_at: 1714644950000 },
      user: { user_id: 'user-77', name: 'Ben' },
    });

    const result = adapter.normalize(webhook);

    expect(result.events).toEqual([
      {
        type: 'chat.receipt.delivered',
        channel: { id: 'room-7' },
        occurredAt: 1714644950000,
        identity: ['room-7', 'user-77', '1714644950000'],
        sender: { id: 'user-77', displayName: 'Ben' },
      },
    ]);
  });

  it.each([
    'group:channel_manager_create',
    'open:channel_manager_delete',
    'group:report_create',
    'user_update',
    'user_delete',
    'user_joined_channel',
    'user_become_manager',
  ])('acknowledges %s as ignored with a reason', (category) => {
    const result = adapter.normalize(
      adapter.parse({
        ...fixture<{ body: object }>('gitple/webhook-manager-create.json').body,
        category,
      }),
    );

    expect(result.events).toEqual([]);
    expect(result.ignored).toEqual([{ kind: category, reason: expect.any(String) }]);
  });
});

describe('Gitple webhook normalization: refusals', () => {
  it('refuses a wrong type naming the field', () => {
    const error = validationErrorOf('webhook-message-send-wrong-types.json');

    expect(error.field).toBe('message.content');
  });

  it('refuses an unknown category naming category', () => {
    const error = validationErrorOf('webhook-unknown-category.json');

    expect(error.field).toBe('category');
    expect(error.message).toContain('unknown Gitple event category');
  });

  it('refuses a category without the object it needs, naming it', () => {
    const error = validationErrorOf('webhook-message-send-missing-message.json');

    expect(error.field).toBe('message');
  });

  it.each([
    [{ category: 'group:channel_join', channel: { channel_id: 'room-7' } }, 'user'],
    [{ category: 'group:channel_update' }, 'channel'],
    [{ category: 'group:channel_update', channel: { channel_id: 'room-7' } }, 'channel.updated_at'],
    [
      { category: 'group:message_update', message: { message_id: 1, channel_id: 'room-7' } },
      'message.updated_at',
    ],
    [{ category: 'group:channel_message_read_event', channel: { channel_id: 'room-7' } }, 'user'],
    [
      { category: 'group:channel_ban', channel: { channel_id: 'room-7' }, user: { user_id: 5 } },
      'user.user_id',
    ],
  ])('refuses %j naming %s', (body, field) => {
    expect(() => adapter.normalize(adapter.parse(body))).toThrow(
      expect.objectContaining({ name: 'ValidationError', field }),
    );
  });
});
