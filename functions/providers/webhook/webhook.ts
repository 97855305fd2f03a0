import { UnauthorizedError } from '../../core/errors';
import type { WebhookAdapter, WebhookRequest } from '../../core/inbound';
import type { SecretValues } from '../../core/secrets';
import { parseWith } from '../../core/validation';
import { readEchoMarker, withoutMarker } from '../shared/marker';
import { PostedEventSchema, type PostedEvent } from './schema';
import {
  hasValidSignature,
  keysFor,
  parseSigningSecrets,
  TIMESTAMP_TOLERANCE_SECONDS,
} from './signing';

/** The channel a posted body names; only used to pick the key its signature is checked with. */
function postedChannel(body: unknown): string | undefined {
  const id = (body as { data?: { channel?: { id?: unknown } } } | null)?.data?.channel?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * `POST /webhooks/webhook`: a customer's system posts into a bridge, signed per Standard
 * Webhooks with the secret of the endpoint the body names ([V] README WH-2, WH-3, WH-4, WH-5). The
 * signature covers the body, so the channel it names cannot be swapped after signing.
 */
export function createWebhookInboundAdapter(
  settings: SecretValues,
  now: () => number = Date.now,
): WebhookAdapter<PostedEvent> {
  const raw = settings.WEBHOOK_SIGNING_SECRETS;
  const secrets = raw ? parseSigningSecrets(raw) : undefined;

  function verify(request: WebhookRequest): void {
    if (!secrets?.keys) {
      throw new UnauthorizedError(
        'posted events are refused: WEBHOOK_SIGNING_SECRETS is not set or not valid',
      );
    }
    const id = request.headers['webhook-id'];
    const timestamp = request.headers['webhook-timestamp'];
    const signature = request.headers['webhook-signature'];
    if (!id || !timestamp || !signature) {
      throw new UnauthorizedError(
        'a posted event carries webhook-id, webhook-timestamp and webhook-signature headers',
      );
    }
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
    // A replayed capture is refused once it is older than the tolerance ([V] README WH-5).
    if (!(Math.abs(now() / 1000 - seconds) <= TIMESTAMP_TOLERANCE_SECONDS)) {
      throw new UnauthorizedError('webhook-timestamp is not within 5 minutes of now');
    }
    const channel = postedChannel(request.body);
    const keys = channel === undefined ? undefined : keysFor(secrets.keys, channel);
    if (!keys || !hasValidSignature(keys, id, timestamp, request.rawBody, signature)) {
      throw new UnauthorizedError('the webhook signature does not match');
    }
  }

  return {
    provider: 'webhook',
    verify,
    parse: (body) => parseWith(PostedEventSchema, body, 'posted event'),
    normalize: (event) => {
      const { channel, sender, message } = event.data;
      const echoMarker = readEchoMarker(message.meta);
      const meta = withoutMarker(message.meta);
      return {
        events: [
          {
            type: event.type,
            channel,
            occurredAt: event.time ?? new Date(now()),
            identity: [event.id],
            sender,
            message: {
              id: message.id ?? event.id,
              text: message.text,
              attachments: [],
              ...(meta && { meta }),
            },
            ...(echoMarker && { echoMarker }),
          },
        ],
        ignored: [],
      };
    },
  };
}
