import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/core/errors';
import { toStoredEvent } from '../../../functions/core/ingest';
import { parseWith } from '../../../functions/core/validation';
import {
  UNKNOWN_EVENT_REASON,
  conversationChannel,
  normalizeTigerConnectEvent,
} from '../../../functions/providers/tigerconnect/inbound';
import {
  ORIGIN_NAMESPACE,
  originDataEntry,
  readOriginMarker,
} from '../../../functions/providers/tigerconnect/marker';
import {
  TigerConnectEventRecordSchema,
  type TigerConnectEventRecord,
} from '../../../functions/providers/tigerconnect/schema';
import { TEST_BRIDGES, fixture } from '../../support/harness';

const BOT = 'u-bot';
const RECEIVED_AT = new Date('2024-05-02T12:00:00.000Z');

function record(name: string): TigerConnectEventRecord {
  return parseWith(TigerConnectEventRecordSchema, fixture(`tigerconnect/${name}`), 'fixture');
}

function normalize(name: string, options: { botUserId?: string } = { botUserId: BOT }) {
  return normalizeTigerConnectEvent(record(name), { ...options, receivedAt: RECEIVED_AT });
}

function iq(type: string, payload: unknown = {}): TigerConnectEventRecord {
  return parseWith(
    TigerConnectEventRecordSchema,
    { event_id: `e-${type}`, event: { [`tigertext:iq:${type}`]: payload } },
    'record',
  );
}

describe('normalizeTigerConnectEvent: messages', () => {
  it('maps a 1:1 message to chat.message.created in the recipient’s channel', () => {
    const normalized = normalize('sse-message-event.json');

    expect(normalized.ignored).toEqual([]);
    expect(normalized.events).toEqual([
      {
        type: 'chat.message.created',
        channel: { id: 'u-def' },
        occurredAt: '2024-05-02T10:00:05.000Z',
        identity: ['9f1e2d3c-0000-4000-8000-000000000001'],
        sender: { id: 'u-abc' },
        message: {
          id: '9f1e2d3c-0000-4000-8000-000000000001',
          text: 'hello',
          attachments: [],
          meta: { senderOrganization: 'org-1', recipientOrganization: 'org-1' },
        },
      },
    ]);
  });

  it('files a message sent to the bot under the sender, the partner the bot answers', () => {
    const [event] = normalize('sse-message-to-bot.json').events;

    expect(event?.channel).toEqual({ id: 'u-def' });
    expect(event?.sender).toEqual({ id: 'u-def' });
  });

  it('files the bot’s own 1:1 post under its recipient, the same channel as the replies', () => {
    const [event] = normalize('sse-message-bridge-echo.json').events;

    expect(event?.channel).toEqual({ id: 'u-def' });
  });

  it('uses the recipient when no bot identity is configured', () => {
    const [event] = normalize('sse-message-to-bot.json', {}).events;

    expect(event?.channel).toEqual({ id: 'u-bot' });
  });

  it.each([
    ['sse-group-message.json', 'tigertext:iq:group_message'],
    ['sse-group-colon-message.json', 'tigertext:iq:group:message'],
  ])('files a group message (%s) under the group token, even from the bot', (name) => {
    const [event] = normalize(name).events;

    expect(event?.type).toBe('chat.message.created');
    expect(event?.channel).toEqual({ id: 'g-ward-7' });
  });

  it('keeps unicode and emoji text exactly', () => {
    const [event] = normalize('sse-message-unicode.json').events;

    expect(event?.message?.text).toBe('Olá, 世界! 👩🏽‍⚕️ café — naïve 🚑');
  });

  it('keeps an empty body as empty text', () => {
    const [event] = normalize('sse-message-empty-body.json').events;

    expect(event?.message?.text).toBe('');
  });

  it('maps attachments to name, content type and size', () => {
    const [event] = normalize('sse-message-attachment.json').events;

    expect(event?.message?.attachments).toEqual([
      { name: 'a7c1f0e2-5b3d-4e8f-9a0b-1c2d3e4f5a6b', contentType: 'image/jpeg', size: 482113 },
    ]);
  });

  it('accepts a message with only the required fields, timed when it was received', () => {
    const [event] = normalize('sse-message-minimal.json').events;

    expect(event).toEqual({
      type: 'chat.message.created',
      channel: { id: 'u-def' },
      occurredAt: RECEIVED_AT,
      identity: ['9f1e2d3c-0000-4000-8000-000000000109'],
      sender: { id: 'u-abc' },
      message: { id: '9f1e2d3c-0000-4000-8000-000000000109', attachments: [] },
    });
  });

  it('lets unknown fields through and keeps foreign data entries as meta', () => {
    const [event] = normalize('sse-message-extra-fields.json').events;

    expect(event?.message?.attachments).toEqual([
      { name: 'b8d2e1f3-6c4e-4f90-8b1c-2d3e4f5a6b7c', contentType: 'application/pdf', size: 10240 },
    ]);
    expect(event?.message?.meta?.data).toEqual([
      { namespace: 'app:tags', mimetype: 'application/json', payload: '["urgent"]', ts: 1 },
    ]);
  });
});

describe('normalizeTigerConnectEvent: echo marker', () => {
  it('reads the bridge:origin data entry and keeps it out of meta', () => {
    const [event] = normalize('sse-message-bridge-echo.json').events;

    expect(event?.echoMarker).toEqual({
      provider: 'pingstreams',
      originMessageId: '6634f0c2a1b2c3d4e5f60718',
      eventId: 'pingstreams-Q2xhdWRlQnJpZGdlRXhhbXBsZTAx',
    });
    expect(event?.message?.meta?.data).toEqual([
      { namespace: 'ehr:patient', mimetype: 'text/plain', payload: 'MRN-000123' },
    ]);
  });

  it('treats a marker entry with an unreadable payload as a marker without fields', () => {
    const [event] = normalize('sse-message-echo-unreadable-marker.json').events;

    expect(event?.echoMarker).toEqual({});
    expect(event?.message?.meta).toBeUndefined();
  });

  it('reads back exactly what the outbound side attaches', () => {
    const entry = originDataEntry({
      provider: 'gitple',
      originMessageId: '1012',
      eventId: 'gitple-abc',
    });

    expect(entry.namespace).toBe(ORIGIN_NAMESPACE);
    expect(readOriginMarker([entry])).toEqual({
      provider: 'gitple',
      originMessageId: '1012',
      eventId: 'gitple-abc',
    });
  });

  it('drops a provider that is not a provider name', () => {
    const marker = readOriginMarker([
      { namespace: ORIGIN_NAMESPACE, payload: '{"provider":"Slack Inc.","orig_id":7}' },
    ]);

    expect(marker).toEqual({ originMessageId: '7' });
  });

  it('is absent when no data entry is the bridge’s', () => {
    expect(normalize('sse-message-event.json').events[0]?.echoMarker).toBeUndefined();
  });
});

describe('normalizeTigerConnectEvent: other event kinds', () => {
  it('turns msg:metadata_update with a message_id into chat.message.updated', () => {
    const normalized = normalize('sse-metadata-update.json');

    expect(normalized.events).toEqual([
      {
        type: 'chat.message.updated',
        channel: { id: 'u-def' },
        occurredAt: '2024-05-02T10:05:00.000Z',
        identity: ['9f1e2d3c-0000-4000-8000-000000000001', '00000000-1111-2222-3333-444444444414'],
        sender: { id: 'u-abc' },
        message: {
          id: '9f1e2d3c-0000-4000-8000-000000000001',
          attachments: [],
          meta: {
            data: [
              { namespace: 'app:tags', mimetype: 'application/json', payload: '["resolved"]' },
            ],
          },
        },
      },
    ]);
  });

  it('acknowledges a metadata update that names no message', () => {
    const normalized = normalizeTigerConnectEvent(iq('msg:metadata_update', { data: [] }));

    expect(normalized.events).toEqual([]);
    expect(normalized.ignored).toEqual([
      { kind: 'msg:metadata_update', reason: expect.stringContaining('message_id') },
    ]);
  });

  it.each([
    'sse:heartbeat',
    'message:is_typing',
    'message:status',
    'presence',
    'client_advisory',
    'remote_wipe',
    'update:account',
    'update:org_settings',
    'bang',
  ])('ignores %s with a reason of its own', (type) => {
    const normalized = normalizeTigerConnectEvent(iq(type));

    expect(normalized.events).toEqual([]);
    expect(normalized.ignored).toHaveLength(1);
    expect(normalized.ignored[0]?.kind).toBe(type);
    expect(normalized.ignored[0]?.reason).not.toBe(UNKNOWN_EVENT_REASON);
  });

  it('ignores the heartbeat fixture', () => {
    expect(normalize('sse-heartbeat.json')).toEqual({
      events: [],
      ignored: [{ kind: 'sse:heartbeat', reason: 'stream keep-alive' }],
    });
  });

  it('acknowledges an unknown iq type instead of failing, so the stream keeps moving', () => {
    expect(normalize('sse-unknown-type.json')).toEqual({
      events: [],
      ignored: [{ kind: 'call:ringing', reason: UNKNOWN_EVENT_REASON }],
    });
  });

  it('keeps the kind of a hostile event name short', () => {
    const normalized = normalizeTigerConnectEvent(iq('x'.repeat(10_000)));

    expect(normalized.ignored[0]?.kind).toHaveLength(64);
  });
});

describe('TigerConnect record schema', () => {
  it('names the field of a wrong type', () => {
    expect(() => record('sse-message-wrong-types.json')).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        field: 'event.tigertext:iq:message.body',
      }),
    );
  });

  it('refuses an envelope without event_id', () => {
    expect(() => record('sse-missing-event-id.json')).toThrow(
      expect.objectContaining({ field: 'event_id' }),
    );
  });

  it.each([
    [{ event_id: 'e-1' }, 'event'],
    [{ event_id: 'e-1', event: {} }, 'event'],
    [{ event_id: 'e-1', event: 'tigertext:iq:message' }, 'event'],
    [{ event_id: '', event: { 'tigertext:iq:bang': {} } }, 'event_id'],
  ])('refuses the broken envelope %j at %s', (input, field) => {
    let error: unknown;
    try {
      parseWith(TigerConnectEventRecordSchema, input, 'record');
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
  });
});

describe('TigerConnect drafts against the common event contract', () => {
  it.each([
    'sse-message-event.json',
    'sse-message-unicode.json',
    'sse-message-empty-body.json',
    'sse-message-attachment.json',
    'sse-group-message.json',
    'sse-group-colon-message.json',
    'sse-message-bridge-echo.json',
    'sse-message-echo-unreadable-marker.json',
    'sse-message-to-bot.json',
    'sse-message-minimal.json',
    'sse-message-extra-fields.json',
    'sse-metadata-update.json',
  ])('%s becomes a valid common event', (name) => {
    const raw = fixture(`tigerconnect/${name}`);

    const stored = normalize(name).events.map((draft) =>
      toStoredEvent('tigerconnect', draft, raw, {
        bridges: TEST_BRIDGES,
        bots: [BOT],
      }),
    );

    expect(stored).toHaveLength(1);
    expect(stored[0]?.event.source).toBe('chat-bridge/tigerconnect');
  });

  it('picks the conversation partner by the documented rule', () => {
    const message = { sender_token: 'u-abc', recipient_token: 'u-bot' };

    expect(conversationChannel(message, false, 'u-bot')).toBe('u-abc');
    expect(conversationChannel(message, false, 'u-other')).toBe('u-bot');
    expect(conversationChannel(message, true, 'u-bot')).toBe('u-bot');
  });
});
