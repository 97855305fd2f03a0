import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/core/errors';
import type { Normalized } from '../../../functions/core/inbound';
import { createPingstreamsWebhookAdapter } from '../../../functions/providers/pingstreams/webhook';
import { REQUEST_ID, pingstreamsFixture } from './deliveries';

const adapter = createPingstreamsWebhookAdapter({ PINGSTREAMS_WEBHOOK_SECRET: 'unused' });
const REQUEST_CHANNEL = { id: REQUEST_ID, name: 'Hi, I need help' };
const ANA = { id: '65f1c0ffee0000000000abcd_user-42', displayName: 'Ana Silva' };

function normalizeFixture(name: string): Normalized {
  return adapter.normalize(adapter.parse(pingstreamsFixture(name).body));
}

function validationErrorOf(body: unknown): ValidationError {
  try {
    adapter.normalize(adapter.parse(body));
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the body was accepted');
}

describe('Pingstreams webhook normalization: message.create', () => {
  it('turns message.create into chat.message.created in the request channel', () => {
    const result = normalizeFixture('webhook-message-create.json');

    expect(result).toEqual({
      events: [
        {
          type: 'chat.message.created',
          channel: REQUEST_CHANNEL,
          occurredAt: '2024-05-02T10:00:05.000Z',
          identity: ['6634f0c2a1b2c3d4e5f60718'],
          sender: ANA,
          message: { id: '6634f0c2a1b2c3d4e5f60718', text: 'Hi, I need help', attachments: [] },
        },
      ],
      ignored: [],
    });
  });

  it('keeps unicode and emoji text byte for byte, with attributes as meta', () => {
    const [draft] = normalizeFixture('webhook-message-create-unicode.json').events;

    expect(draft?.message).toEqual({
      id: '6634f0c2a1b2c3d4e5f60719',
      text: 'Olá! 👋🏽 Preciso de ajuda — 你好 👨‍👩‍👧 ∑ ﷽',
      attachments: [],
      meta: { lang: 'pt' },
    });
  });

  it('keeps an empty text as empty text', () => {
    const [draft] = normalizeFixture('webhook-message-create-empty-text.json').events;

    expect(draft?.message).toEqual({ id: '6634f0c2a1b2c3d4e5f6071a', text: '', attachments: [] });
  });

  it('turns file metadata into the attachment', () => {
    const [draft] = normalizeFixture('webhook-message-create-file.json').events;

    expect(draft?.message).toEqual({
      id: '6634f0c2a1b2c3d4e5f6071b',
      text: 'invoice-0042.pdf',
      attachments: [
        {
          url: 'https://firebasestorage.example.com/v0/b/pingstreams/o/invoice-0042.pdf?alt=media',
          name: 'invoice-0042.pdf',
          contentType: 'application/pdf',
          size: 183422,
        },
      ],
    });
  });

  it('ignores metadata on a plain text message', () => {
    const body = pingstreamsFixture('webhook-message-create-file.json').body;
    (body.payload as Record<string, unknown>).type = 'text';

    const [draft] = adapter.normalize(adapter.parse(body)).events;

    expect(draft?.message?.attachments).toEqual([]);
  });

  it('accepts a message with every optional field missing, timed by the delivery', () => {
    const result = normalizeFixture('webhook-message-create-minimal.json');

    expect(result.events).toEqual([
      {
        type: 'chat.message.created',
        channel: { id: REQUEST_ID },
        occurredAt: 1714644013123,
        identity: ['6634f0c2a1b2c3d4e5f6071c'],
        sender: { id: '65f1c0ffee0000000000abcd_user-42' },
        message: { id: '6634f0c2a1b2c3d4e5f6071c', text: 'bare', attachments: [] },
      },
    ]);
  });

  it('accepts unknown extra fields at every level and leaves them out of the draft', () => {
    const [draft] = normalizeFixture('webhook-message-create-extra-fields.json').events;

    expect(draft).toMatchObject({
      channel: REQUEST_CHANNEL,
      sender: ANA,
      message: { id: '6634f0c2a1b2c3d4e5f6071d', text: 'with extras', attachments: [] },
    });
    expect(draft?.message?.meta).toBeUndefined();
  });

  it('reads the echo marker from attributes', () => {
    const [draft] = normalizeFixture('webhook-message-create-echo.json').events;

    expect(draft?.echoMarker).toEqual({
      provider: 'gitple',
      eventId: 'gitple-Zm9vYmFyYmF6cXV4cXV1eGNvcmd',
      originMessageId: '1012',
    });
    expect(draft?.message?.meta).toBeUndefined();
  });

  it('stores an info message flagged as a system message with its label', () => {
    const [draft] = normalizeFixture('webhook-message-create-info.json').events;

    expect(draft).toEqual({
      type: 'chat.message.created',
      channel: REQUEST_CHANNEL,
      occurredAt: '2024-05-02T10:50:00.000Z',
      identity: ['6634f0c2a1b2c3d4e5f60720'],
      sender: { id: 'system', displayName: 'System' },
      message: {
        id: '6634f0c2a1b2c3d4e5f60720',
        text: 'Chat closed',
        attachments: [],
        meta: {
          subtype: 'info/support',
          updateconversation: false,
          messagelabel: { key: 'CHAT_CLOSED', parameters: {} },
          system: true,
          label: 'CHAT_CLOSED',
        },
      },
    });
  });

  it('treats the per-channel message.create variants as message.create', () => {
    const [draft] = normalizeFixture('webhook-message-create-channel-variant.json').events;

    expect(draft?.type).toBe('chat.message.created');
    expect(draft?.identity).toEqual(['6634f0c2a1b2c3d4e5f60721']);
  });
});

describe('Pingstreams webhook normalization: requests', () => {
  it('turns request.create into chat.channel.created named by its subject', () => {
    const result = normalizeFixture('webhook-request-create.json');

    expect(result.events).toEqual([
      {
        type: 'chat.channel.created',
        channel: { id: REQUEST_ID, name: 'Billing question' },
        occurredAt: '2024-05-02T10:00:05.000Z',
        identity: [REQUEST_ID],
      },
    ]);
  });

  it('turns request.update into chat.channel.updated, one per notification time', () => {
    const result = normalizeFixture('webhook-request-update.json');

    expect(result.events).toEqual([
      {
        type: 'chat.channel.updated',
        channel: { id: REQUEST_ID, name: 'Billing question' },
        occurredAt: 1714645000000,
        identity: [REQUEST_ID, '1714645000000'],
      },
    ]);
  });

  it('turns request.close into chat.channel.frozen at its closing time', () => {
    const result = normalizeFixture('webhook-request-close.json');

    expect(result.events).toEqual([
      {
        type: 'chat.channel.frozen',
        channel: REQUEST_CHANNEL,
        occurredAt: '2024-05-02T10:50:00.000Z',
        identity: [REQUEST_ID, '2024-05-02T10:50:00.000Z'],
      },
    ]);
  });
});

describe('Pingstreams webhook normalization: other events and refusals', () => {
  it.each([
    'lead.create',
    'project_user.update.agent',
    'project_user.invite',
    'user.signup',
    'faqbot.update',
    'faq.create',
    'department.delete',
    'group.update',
    'project.downgrade',
    'event.emit',
    'event.emit.order_paid',
    'operator.select',
  ])('acknowledges %s as ignored with a reason', (event) => {
    const body = pingstreamsFixture('webhook-lead-create.json').body;
    body.hook.event = event;

    const result = adapter.normalize(adapter.parse(body));

    expect(result).toEqual({ events: [], ignored: [{ kind: event, reason: expect.any(String) }] });
  });

  it('refuses an event Tiledesk does not emit, naming hook.event', () => {
    const error = validationErrorOf(pingstreamsFixture('webhook-unknown-event.json').body);

    expect(error.field).toBe('hook.event');
    expect(error.message).toContain('message.update');
  });

  it('refuses a wrong type naming the field', () => {
    const error = validationErrorOf(
      pingstreamsFixture('webhook-message-create-wrong-types.json').body,
    );

    expect(error.field).toBe('payload.text');
  });

  it.each([
    [
      { ...pingstreamsFixture('webhook-message-create.json').body, timestamp: '1714644005123' },
      'timestamp',
    ],
    [
      { ...pingstreamsFixture('webhook-message-create.json').body, hook: { _id: 'h1' } },
      'hook.event',
    ],
    [
      {
        ...pingstreamsFixture('webhook-message-create.json').body,
        payload: { _id: 'm1', sender: 'u1' },
      },
      'payload.recipient',
    ],
    [
      { ...pingstreamsFixture('webhook-request-create.json').body, payload: { _id: 'r1' } },
      'payload.request_id',
    ],
    [
      {
        ...pingstreamsFixture('webhook-request-close.json').body,
        payload: { request_id: 'r', closed_at: 'yesterday' },
      },
      'payload.closed_at',
    ],
  ])('refuses %j naming %s', (body, field) => {
    expect(validationErrorOf(body).field).toBe(field);
  });
});
