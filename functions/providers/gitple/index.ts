import type { ProviderModule } from '../../core/provider-module';
import { createGitpleOutboundAdapter } from './outbound';
import { createGitpleTokenMinter } from './token';
import { createGitpleWebhookAdapter } from './webhook';

/**
 * A created channel's id is its portal key (`<rule>-<16 hex>`): Gitple lets the caller name a
 * channel ([V] README GIT-25), and the key is a valid Gitple channel id. No member limit is
 * published ([G] README GIT-28): the bridge's own is 100.
 */
export const GITPLE_MAX_CREATED_MEMBERS = 100;

/** Gitple Live: webhooks in (`?key=`), SDK REST API out, SDK session tokens for frontends. */
export const gitple: ProviderModule = {
  name: 'gitple',
  channelIdFormat: { pattern: /^[^\s/]{1,128}$/, example: 'room-7' },
  settings: {
    GITPLE_HOST: { description: 'Gitple Live API host, e.g. live.example.com', required: true },
    GITPLE_APP_ID: { description: 'Gitple app id', required: true },
    GITPLE_APP_API_KEY: { description: 'Gitple platform API key', secret: true, required: true },
    GITPLE_BOT_USER_ID: { description: 'Gitple user the bridge posts as' },
    GITPLE_WEBHOOK_KEY: {
      description: 'secret carried as ?key= by the Gitple webhook URL',
      secret: true,
    },
  },
  botIdentities: (settings) => (settings.GITPLE_BOT_USER_ID ? [settings.GITPLE_BOT_USER_ID] : []),
  webhook: { create: createGitpleWebhookAdapter, registration: { queryKey: 'GITPLE_WEBHOOK_KEY' } },
  outbound: ({ settings }) => createGitpleOutboundAdapter({ secrets: settings, env: settings }),
  token: { create: ({ clients }) => createGitpleTokenMinter({ fetch: clients.fetch }) },
  channelCreation: { channelId: (key) => key, maxMembers: GITPLE_MAX_CREATED_MEMBERS },
};
