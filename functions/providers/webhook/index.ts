import type { ProviderModule } from '../../core/provider-module';
import { createWebhookOutboundAdapter } from './outbound';
import { createWebhookInboundAdapter } from './webhook';

/**
 * The customer's own systems as members of a bridge: every relayed event is posted to the
 * channel's URL, signed per Standard Webhooks; an `inout` channel's system may post message
 * events back, signed the same way. See README.md.
 */
export const webhook: ProviderModule = {
  name: 'webhook',
  // A URL, checked again (https, resolved addresses) before every delivery.
  channelIdFormat: {
    pattern: /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/,
    example: 'https://ops.example.com/chat-events',
  },
  settings: {
    WEBHOOK_SIGNING_SECRETS: {
      description:
        'JSON object: endpoint URL (or "*" for every other) to its whsec_ signing secret, or an array of them while rotating',
      secret: true,
      required: true,
    },
  },
  // The bridge posts as no chat user: nothing a receiver sends back is the bridge's own.
  botIdentities: () => [],
  webhook: {
    create: (settings) => createWebhookInboundAdapter(settings),
    registration: {
      verifiedBy: {
        secret: 'WEBHOOK_SIGNING_SECRETS',
        how: 'Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature) with the endpoint’s whsec_ secret',
      },
    },
  },
  outbound: ({ settings }) => createWebhookOutboundAdapter({ settings }),
  token: { unsupported: 'a webhook endpoint is a system, not a chat client: it needs no token' },
  channelCreation: {
    unsupported: 'a webhook channel is a URL of the customer’s system: there is nothing to create',
  },
};
