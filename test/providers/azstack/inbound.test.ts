import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/core/errors';
import { toStoredEvent } from '../../../functions/core/ingest';
import { parseWith } from '../../../functions/core/validation';
import {
  UNKNOWN_TYPE_REASON,
  normalizeAzStackMessage,
} from '../../../functions/providers/azstack/inbound';
import {
  AzStackMessageSchema,
  type AzStackMessage,
} from '../../../functions/providers/azstack/schema';
import { TEST_BRIDGES, fixture } from '../../support/harness';

function message(name: string): AzStackMessage {
  return parseWith(AzStackMessageSchema, fixture(`azstack/${name}`), 'AZStack message');
}

describe('normalizeAzStackMessage', () => {
  it('maps a 1:1 text message to chat.message.created in the partner’s chat', () => {
    expect(normalizeAzStackMessage(message('delegate-text.json'))).toEqual({
      events: [
        {
          type: 'chat.message.created',
          channel: { id: '1234' },
          occurredAt: 1714644005123,
          identity: ['1234', '1714644005'],
          sender: { id: '1234' },
          message: { id: '1714644005', text: 'xin chào 👋', attachments: [] },
        },
      ],
      ignored: [],
    });
  });

  it('files a group message under the group id', () => {
    const [event] = normalizeAzStackMessage(message('delegate-group-text.json')).events;

    expect(event?.channel).toEqual({ id: '98765' });
    expect(event?.sender).toEqual({ id: '1234' });
  });

  it('turns a sticker into an attachment', () => {
    const [event] = normalizeAzStackMessage(message('delegate-sticker.json')).events;

    expect(event?.message).toEqual({
      id: '1714644020',
      attachments: [
        { url: 'https://static.azstack.example/stickers/7/cat_wave.png', name: 'cat_wave.png' },
      ],
      meta: { stickerCategory: 7 },
    });
  });

  it('turns a file into an attachment with its size', () => {
    const [event] = normalizeAzStackMessage(message('delegate-file.json')).events;

    expect(event?.message).toEqual({
      id: '1714644030',
      attachments: [
        {
          url: 'https://files.azstack.example/u/1234/report.pdf',
          name: 'report.pdf',
          size: 20480,
        },
      ],
      meta: { fileType: 4 },
    });
  });

  it('maps a deleted message to chat.message.deleted at its modified time', () => {
    const [event] = normalizeAzStackMessage(message('delegate-deleted.json')).events;

    expect(event).toEqual({
      type: 'chat.message.deleted',
      channel: { id: '1234' },
      occurredAt: 1714644099000,
      identity: ['1234', '1714644005'],
      sender: { id: '1234' },
      message: { id: '1714644005', attachments: [] },
    });
  });

  it('reads a boolean deleted flag like the SDK’s 1', () => {
    const deleted = { ...message('delegate-text.json'), deleted: true };

    expect(normalizeAzStackMessage(deleted).events[0]?.type).toBe('chat.message.deleted');
  });

  it.each([
    ['delegate-group-created.json', 'group_created'],
    ['delegate-group-left.json', 'group_left'],
  ])('acknowledges the group system message %s as %s', (name, kind) => {
    const normalized = normalizeAzStackMessage(message(name));

    expect(normalized.events).toEqual([]);
    expect(normalized.ignored).toEqual([{ kind, reason: expect.any(String) }]);
  });

  it.each([4, 5, 6, 7, 8, 9])('ignores every group system type (%i) with a reason', (type) => {
    const normalized = normalizeAzStackMessage({ ...message('delegate-group-text.json'), type });

    expect(normalized.events).toEqual([]);
    expect(normalized.ignored[0]?.reason).not.toBe(UNKNOWN_TYPE_REASON);
  });

  it('acknowledges a type it does not know', () => {
    const normalized = normalizeAzStackMessage({ ...message('delegate-text.json'), type: 12 });

    expect(normalized).toEqual({
      events: [],
      ignored: [{ kind: 'type:12', reason: UNKNOWN_TYPE_REASON }],
    });
  });

  it('tells the same msgId from two senders apart', () => {
    const mine = normalizeAzStackMessage(message('delegate-text.json')).events[0];
    const theirs = normalizeAzStackMessage({ ...message('delegate-text.json'), senderId: 5678 })
      .events[0];

    expect(mine?.identity).not.toEqual(theirs?.identity);
  });

  it('accepts numeric-string ids', () => {
    const parsed = parseWith(
      AzStackMessageSchema,
      { ...fixture<object>('azstack/delegate-text.json'), chatId: '1234', msgId: '1714644005' },
      'AZStack message',
    );

    expect(normalizeAzStackMessage(parsed).events[0]?.identity).toEqual(['1234', '1714644005']);
  });
});

describe('AZStack message schema', () => {
  it('names the first field of a wrong type', () => {
    let error: unknown;
    try {
      message('delegate-wrong-types.json');
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('chatType');
  });

  it.each([
    ['chatId', 'room-seven'],
    ['created', '2024-05-02'],
    ['msgId', -1],
    ['type', 1.5],
  ])('refuses %s = %j', (field, value) => {
    const input = { ...fixture<object>('azstack/delegate-text.json'), [field]: value };

    expect(() => parseWith(AzStackMessageSchema, input, 'AZStack message')).toThrow(
      expect.objectContaining({ field }),
    );
  });

  it.each([
    'delegate-text.json',
    'delegate-group-text.json',
    'delegate-sticker.json',
    'delegate-file.json',
    'delegate-deleted.json',
  ])('%s becomes a valid common event', (name) => {
    const raw = fixture(`azstack/${name}`);

    const stored = normalizeAzStackMessage(message(name)).events.map((draft) =>
      toStoredEvent('azstack', draft, raw, { bridges: TEST_BRIDGES, bots: [] }),
    );

    expect(stored).toHaveLength(1);
    expect(stored[0]?.event.source).toBe('chat-bridge/azstack');
  });
});
