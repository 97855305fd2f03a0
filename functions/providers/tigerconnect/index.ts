import type { ProviderModule } from '../../core/provider-module';
import { createTigerConnectOutboundAdapter } from './outbound';
import { pollTigerConnectEvents } from './poller';
import { createTigerConnectWebhookAdapter } from './webhook';

/**
 * TigerConnect: no webhooks, so a scheduled poller reads its event stream (an optional
 * forwarder may POST records to the webhook); REST v2 out; no client-token flow.
 */
export const tigerconnect: ProviderModule = {
  name: 'tigerconnect',
  channelIdFormat: { pattern: /^[^\s/]{1,128}$/, example: 'e9fe5f3a-f7cf-4278-8aca-0b558b5c90ad' },
  settings: {
    TIGERCONNECT_API_URL: {
      description: 'TigerConnect REST v2 base (default https://api.tigertext.me)',
    },
    TIGERCONNECT_API_KEY: { description: 'TigerConnect API key (Basic auth user)', required: true },
    TIGERCONNECT_API_SECRET: {
      description: 'TigerConnect API secret (Basic auth password)',
      secret: true,
      required: true,
    },
    TIGERCONNECT_BOT_USER_ID: {
      description: 'TigerConnect user token the bridge posts as (its echoes are not relayed)',
    },
    TIGERCONNECT_WEBHOOK_KEY: {
      description: 'secret carried as ?key= by a TigerConnect event forwarder URL',
      secret: true,
    },
  },
  botIdentities: (settings) =>
    settings.TIGERCONNECT_BOT_USER_ID ? [settings.TIGERCONNECT_BOT_USER_ID] : [],
  webhook: {
    create: createTigerConnectWebhookAdapter,
    registration: { queryKey: 'TIGERCONNECT_WEBHOOK_KEY' },
  },
  outbound: ({ settings }) =>
    createTigerConnectOutboundAdapter({ secrets: settings, env: settings }),
  token: {
    unsupported:
      'TigerConnect has no public API to mint a client token; its users sign in with the TigerConnect SDK',
  },
  poller: { poll: pollTigerConnectEvents },
  channelCreation: {
    unsupported:
      'no group-creation endpoint of the REST v2 API is verified, and TigerConnect assigns group tokens (a retried creation could make two groups): bridge groups created ahead of time',
  },
};
