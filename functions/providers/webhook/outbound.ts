import { ProviderError } from '../../core/errors';
import type { CommonEvent } from '../../core/event';
import type { DeliveryTarget, OutboundAdapter, OutboundCapabilities } from '../../core/outbound';
import { parseRetryAfter } from '../../core/retry';
import type { SecretValues } from '../../core/secrets';
import { notConfiguredReason, PROVIDER_REQUEST_TIMEOUT_MS } from '../shared/provider-http';
import { connectPinned, resolveAll, type Connect, type Resolve } from './pinned-http';
import { refused, vetReceiver } from './receiver-url';
import { keysFor, parseSigningSecrets, signatureHeader } from './signing';

/** Receivers answer with a status; a body beyond this is not read ([G] README WH-8). */
export const WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The receiver gets the whole common event, so the text limit only bounds the formatted copy
 * the relay prepares (and this adapter does not send); generous, so nothing is cut.
 */
const CAPABILITIES: OutboundCapabilities = {
  send: true,
  edit: true,
  delete: true,
  attachments: true,
  replies: true,
  maxTextLength: 100_000,
  // A receiver keeps no list the bridge could read; it drops a resend by its `webhook-id`.
  findSent: false,
};

export interface WebhookOutboundOptions {
  settings: SecretValues;
  /** Host name resolution and the connection, replaced by tests (SSRF spies). */
  resolve?: Resolve;
  connect?: Connect;
  now?: () => number;
  timeoutMs?: number;
}

/**
 * Delivers every relayed event to the customer URL that is the channel, as CloudEvents JSON
 * signed per Standard Webhooks ([V] README WH-1, WH-2, WH-3, WH-4; the id is [I] README WH-6). `webhook-id` is the event id, so a
 * retry (the relay's, or a replay from the dead-letter queue) carries the same id and the
 * receiver de-duplicates; it is also the message id the relay maps copies by.
 */
export function createWebhookOutboundAdapter(options: WebhookOutboundOptions): OutboundAdapter {
  const { settings } = options;
  const raw = settings.WEBHOOK_SIGNING_SECRETS;
  const secrets = raw
    ? parseSigningSecrets(raw)
    : { unavailable: 'WEBHOOK_SIGNING_SECRETS missing' };
  const unavailable = secrets.unavailable && notConfiguredReason('webhook', secrets.unavailable);
  const allowLoopback = settings.ALLOW_LOOPBACK_HTTP === 'true';
  const resolve = options.resolve ?? resolveAll;
  const connect = options.connect ?? connectPinned;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? PROVIDER_REQUEST_TIMEOUT_MS;

  async function deliver(target: DeliveryTarget, event: CommonEvent | undefined): Promise<void> {
    if (!event) throw refused('the relay handed over no event to deliver');
    const keys = secrets.keys && keysFor(secrets.keys, target.channel);
    if (!keys) {
      throw refused('WEBHOOK_SIGNING_SECRETS has no secret for this endpoint (nor a "*" default)');
    }
    const { url, address } = await vetReceiver(target.channel, { allowLoopback, resolve });
    const body = JSON.stringify(event);
    const timestamp = Math.floor(now() / 1000);
    let answer;
    try {
      answer = await connect({
        url,
        address,
        body,
        timeoutMs,
        maxResponseBytes: WEBHOOK_MAX_RESPONSE_BYTES,
        headers: {
          'content-type': 'application/cloudevents+json; charset=utf-8',
          'user-agent': 'chat-bridge-webhooks',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(keys, event.id, timestamp, body),
        },
      });
    } catch (error) {
      // Unreachable or too slow: an outage, worth the relay's retries. The code (or our own
      // timeout's message) says which, and never carries a secret.
      const why = (error as { code?: unknown }).code ?? (error as Error).message;
      throw new ProviderError(`webhook receiver could not be reached: ${String(why)}`, undefined, {
        cause: error,
      });
    }
    if (answer.status >= 300 && answer.status < 400) {
      const where = answer.location ? ` to ${answer.location}` : '';
      throw new ProviderError(
        `webhook receiver answered a redirect${where}; redirects are not followed`,
        answer.status,
        { permanent: true },
      );
    }
    if (answer.status < 200 || answer.status >= 300) {
      throw new ProviderError('webhook receiver refused the event', answer.status, {
        retryAfterMs: parseRetryAfter(answer.retryAfter, now()),
      });
    }
  }

  return {
    provider: 'webhook',
    capabilities: () => CAPABILITIES,
    unavailableReason: () => unavailable,
    async send(target, message) {
      await deliver(target, message.event);
      return { messageId: message.event!.id };
    },
    async edit(target, _targetMessageId, message) {
      await deliver(target, message.event);
    },
    async delete(target, _targetMessageId, _reason, event) {
      await deliver(target, event);
    },
  };
}
