import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../functions/core/errors';
import type { CommonEvent } from '../../../functions/core/event';
import type { DeliveryTarget, OutboundMessage } from '../../../functions/core/outbound';
import { isRetryable } from '../../../functions/core/retry';
import { createWebhookOutboundAdapter } from '../../../functions/providers/webhook/outbound';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

const SECRET = `whsec_${Buffer.from('chat-bridge webhook test secret!').toString('base64')}`;
const OLD_SECRET = `whsec_${Buffer.from('the secret being rotated out....').toString('base64')}`;

const EVENT: CommonEvent = {
  specversion: '1.0',
  id: 'gitple-ZXZlbnQtMTAxMg',
  source: 'chat-bridge/gitple',
  type: 'chat.message.created',
  subject: 'support',
  time: '2024-05-02T10:00:05.000Z',
  datacontenttype: 'application/json',
  data: {
    provider: 'gitple',
    channel: { id: 'room-7', name: 'Support 7' },
    sender: { id: 'user-42', displayName: 'Ana' },
    message: { id: '1012', text: 'hello', attachments: [] },
  },
};

const message = (event: CommonEvent = EVENT): OutboundMessage => ({
  text: '[gitple] Ana: hello',
  attachments: [],
  sender: { id: 'user-42', displayName: 'Ana' },
  marker: { origin: 'gitple', eventId: event.id, originMessageId: '1012' },
  event,
});

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('webhook outbound adapter', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver(SECRET);
  });
  afterEach(() => receiver.close());

  const target = (path = '/events'): DeliveryTarget => ({
    provider: 'webhook',
    channel: `${receiver.url}${path}`,
    mode: 'message',
  });
  const adapter = (secrets: unknown = { '*': SECRET }, extra: Record<string, string> = {}) =>
    createWebhookOutboundAdapter({
      settings: {
        WEBHOOK_SIGNING_SECRETS: JSON.stringify(secrets),
        ALLOW_LOOPBACK_HTTP: 'true',
        ...extra,
      },
    });

  it('posts the common event, signed so that the official standardwebhooks package verifies it', async () => {
    const sent = await adapter().send(target(), message());

    expect(sent).toEqual({ messageId: EVENT.id });
    const [delivery] = receiver.at('/events');
    expect(delivery?.verifyError).toBeUndefined();
    expect(delivery?.verified).toEqual(EVENT);
    expect(delivery?.headers['webhook-id']).toBe(EVENT.id);
    expect(delivery?.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(
      Math.abs(Number(delivery?.headers['webhook-timestamp']) - Date.now() / 1000),
    ).toBeLessThan(5);
  });

  it('signs with every secret of the endpoint while rotating, each verifiable on its own', async () => {
    const channel = target().channel;
    await adapter({ [channel]: [OLD_SECRET, SECRET], '*': OLD_SECRET }).send(target(), message());

    const [delivery] = receiver.at('/events');
    expect(String(delivery?.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(delivery?.verified).toEqual(EVENT);
    expect(
      new Webhook(OLD_SECRET).verify(delivery!.body, delivery!.headers as Record<string, string>),
    ).toEqual(EVENT);
  });

  it('delivers updates and deletes as their own events', async () => {
    const updated = { ...EVENT, id: 'gitple-upd', type: 'chat.message.updated' as const };
    const deleted = { ...EVENT, id: 'gitple-del', type: 'chat.message.deleted' as const };
    const webhook = adapter();

    await webhook.edit!(target(), EVENT.id, message(updated));
    await webhook.delete!(target(), EVENT.id, 'deleted at the origin', deleted);

    expect(receiver.at('/events').map((d) => d.verified)).toEqual([updated, deleted]);
  });

  it('reports a 503 with its Retry-After as a retryable refusal', async () => {
    receiver.script('/events', [{ status: 503, headers: { 'retry-after': '2' } }]);

    const error = await caught(adapter().send(target(), message()));

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerStatus: 503, retryAfterMs: 2000 });
    expect(isRetryable(error)).toBe(true);
  });

  it('fails a redirect at once, without following it', async () => {
    receiver.script('/events', [{ status: 302, headers: { location: 'http://169.254.169.254/' } }]);

    const error = await caught(adapter().send(target(), message()));

    expect(error).toMatchObject({ providerStatus: 302 });
    expect((error as Error).message).toMatch(
      /redirect to http:\/\/169\.254\.169\.254\/; redirects are not followed/,
    );
    expect(isRetryable(error)).toBe(false);
    expect(receiver.received).toHaveLength(1);
  });

  it('reads at most 64 KiB of an answer and times out a receiver that never answers', async () => {
    const endless = createServer((request, response) => {
      request.resume();
      if (request.url === '/hang') return;
      response.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (response.write(chunk));
      };
      response.on('drain', pump);
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`;
    try {
      const webhook = createWebhookOutboundAdapter({
        settings: {
          WEBHOOK_SIGNING_SECRETS: JSON.stringify({ '*': SECRET }),
          ALLOW_LOOPBACK_HTTP: 'true',
        },
        timeoutMs: 300,
      });
      const channel = (path: string) => ({
        provider: 'webhook',
        channel: `${base}${path}`,
        mode: 'message',
      });

      await expect(webhook.send(channel('/endless'), message())).resolves.toEqual({
        messageId: EVENT.id,
      });
      const error = await caught(webhook.send(channel('/hang'), message()));
      expect(error).toMatchObject({
        message: 'webhook receiver could not be reached: no answer within 300 ms',
      });
      expect(isRetryable(error)).toBe(true);
    } finally {
      endless.closeAllConnections();
      await new Promise((resolve) => endless.close(resolve));
    }
  });

  it('is unavailable without valid signing secrets, and names what is wrong without quoting it', () => {
    expect(createWebhookOutboundAdapter({ settings: {} }).unavailableReason()).toBe(
      'webhook is not configured: WEBHOOK_SIGNING_SECRETS missing',
    );
    const reason = adapter({ '*': 'not-a-whsec-secret' }).unavailableReason();
    expect(reason).toBe(
      'webhook is not configured: WEBHOOK_SIGNING_SECRETS for "*" must be whsec_<base64> secret(s)',
    );
    expect(adapter('[]').unavailableReason()).toMatch(/must be a JSON object/);
  });

  it('refuses an endpoint that has no secret and no default, permanently', async () => {
    const error = await caught(
      adapter({ 'https://other.example.com/': SECRET }).send(target(), message()),
    );

    expect((error as Error).message).toMatch(/no secret for this endpoint/);
    expect(isRetryable(error)).toBe(false);
    expect(receiver.received).toHaveLength(0);
  });
});
