import { createHash } from 'node:crypto';
import type { ProviderModule } from '../../core/provider-module';
import { createPingstreamsOutboundAdapter } from './outbound';
import { createPingstreamsTokenMinter } from './token';
import { createPingstreamsWebhookAdapter } from './webhook';

/** Pingstreams: subscription webhooks in, request messages out, custom-JWT exchange tokens. */
export const pingstreams: ProviderModule = {
  name: 'pingstreams',
  channelIdFormat: {
    pattern: /^support-group-[a-zA-Z0-9]+-[a-zA-Z0-9-]+$/,
    example: 'support-group-65f1c0ffee0000000000abcd-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b',
  },
  settings: {
    PINGSTREAMS_API_URL: {
      description: 'Pingstreams API (default https://api.pingstreams.com/v3)',
    },
    PINGSTREAMS_PROJECT_ID: { description: 'Pingstreams project id', required: true },
    PINGSTREAMS_PROJECT_SECRET: {
      description: 'Pingstreams project shared secret (custom JWT signing)',
      secret: true,
      required: true,
    },
    PINGSTREAMS_WEBHOOK_SECRET: {
      description: 'Pingstreams subscription secret (x-hook-secret / token)',
      secret: true,
    },
    PINGSTREAMS_BOT_USER_ID: { description: 'Pingstreams user the bridge posts as' },
  },
  // The bot signs in as `<project>_<bot>`, so its messages carry either form as the sender.
  botIdentities: ({ PINGSTREAMS_BOT_USER_ID: bot, PINGSTREAMS_PROJECT_ID: project }) =>
    bot ? (project ? [bot, `${project}_${bot}`] : [bot]) : [],
  webhook: {
    create: createPingstreamsWebhookAdapter,
    registration: {
      verifiedBy: {
        secret: 'PINGSTREAMS_WEBHOOK_SECRET',
        how: 'the subscription secret Pingstreams returns (sent as x-hook-secret)',
      },
    },
  },
  outbound: ({ settings }) =>
    createPingstreamsOutboundAdapter({ secrets: settings, env: settings }),
  token: { create: ({ clients }) => createPingstreamsTokenMinter({ fetch: clients.fetch }) },
  // A request id in Pingstreams' own form ([V] README PS-13) from the portal key, the way
  // `newRequestId` puts a uuid's 32 hex digits after the project. Requests take no members:
  // Pingstreams routes them to agents by department.
  channelCreation: {
    channelId: (key, settings) =>
      settings.PINGSTREAMS_PROJECT_ID
        ? `support-group-${settings.PINGSTREAMS_PROJECT_ID}-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`
        : undefined,
    maxMembers: 0,
  },
};
