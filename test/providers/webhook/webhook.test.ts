import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../../functions/core/inbound';
import { createWebhookInboundAdapter } from '../../../functions/providers/webhook/webhook';
import { fixture } from '../../support/harness';

const SECRET = `whsec_${Buffer.from('ops endpoint secret for posting!').toString('base64')}`;
const OTHER = `whsec_${Buffer.from('another endpoint, another secret').toString('base64')}`;
const ENDPOINT = 'https://ops.example.com/chat-events';
const NOW = Date.parse('2024-05-02T10:00:10.000Z');
const SETTINGS = {
  WEBHOOK_SIGNING_SECRETS: JSON.stringify({ [ENDPOINT]: SECRET, 'https://b.example/': OTHER }),
};

const notice = fixture<{ id: string; data: { channel: { id: string } } }>(
  'webhook/posted-notice.json',
);

/** A post signed by the official package, as a customer's system would sign it. */
function signed(body: unknown, options: { secret?: string; at?: number } = {}): WebhookRequest {
  const rawBody = JSON.stringify(body);
  const at = new Date(options.at ?? NOW);
  const id = (body as { id: string }).id;
  return {
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(options.secret ?? SECRET).sign(id, at, rawBody),
    },
    query: {},
    rawBody,
    body,
  };
}

const adapter = createWebhookInboundAdapter(SETTINGS, () => NOW);

describe('events posted by a customer’s system', () => {
  it('accepts a post signed with its endpoint’s secret by the official package', () => {
    expect(() => adapter.verify(signed(notice))).not.toThrow();
  });

  it.each([
    ['another endpoint’s secret', signed(notice, { secret: OTHER })],
    ['a timestamp 6 minutes old', signed(notice, { at: NOW - 6 * 60_000 })],
    ['a timestamp 6 minutes ahead', signed(notice, { at: NOW + 6 * 60_000 })],
    [
      'a body changed after signing',
      { ...signed(notice), rawBody: JSON.stringify({ ...notice, id: 'other' }) },
    ],
    [
      'a channel swapped after signing (the secret of b.example does not sign it)',
      (() => {
        const request = signed(notice);
        return { ...request, body: { ...notice, data: { channel: { id: 'https://b.example/' } } } };
      })(),
    ],
    ['no signature header', { ...signed(notice), headers: { 'webhook-id': 'x' } }],
  ])('refuses %s with 401', (_what, request) => {
    expect(() => adapter.verify(request)).toThrowError(expect.objectContaining({ status: 401 }));
  });

  it('refuses everything while no secrets are configured', () => {
    expect(() => createWebhookInboundAdapter({}, () => NOW).verify(signed(notice))).toThrowError(
      /WEBHOOK_SIGNING_SECRETS is not set/,
    );
  });

  it('normalizes the post to a message event of the endpoint’s channel', () => {
    const normalized = adapter.normalize(adapter.parse(notice));

    expect(normalized).toEqual({
      ignored: [],
      events: [
        {
          type: 'chat.message.created',
          channel: { id: ENDPOINT },
          occurredAt: '2024-05-02T10:00:05.000Z',
          identity: ['notice-2024-05-02-001'],
          sender: { id: 'crm', displayName: 'CRM' },
          message: {
            id: 'notice-2024-05-02-001',
            text: 'Your ticket #812 was resolved.',
            attachments: [],
            meta: { ticket: 812 },
          },
        },
      ],
    });
  });

  it('names the first bad field of a post', () => {
    expect(() => adapter.parse({ ...notice, type: 'chat.member.joined' })).toThrowError(
      /posted event: type: only chat.message.created can be posted/,
    );
    expect(() =>
      adapter.parse({ ...notice, data: { ...notice.data, message: { text: '' } } }),
    ).toThrowError(/data\.message\.text/);
  });
});
