import type { ProviderModule } from '../../core/provider-module';
import { createGitpleOutboundAdapter } from './outbound';
import { createGitpleTokenMinter } from './token';
import { createGitpleWebhookAdapter } from './webhook';

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
};
