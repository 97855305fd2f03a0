import type { ProviderModule } from '../../core/provider-module';
import { createIvsOutboundAdapter } from './outbound';
import { createIvsTokenMinter, defaultIvsClientFor, type IvsClientFor } from './token';

/**
 * Amazon IVS Chat. Inbound comes through the review-handler and chat-logging Lambdas (not a
 * webhook), outbound through the bot's messaging socket, tokens through CreateChatToken.
 */
export const ivs: ProviderModule = {
  name: 'ivs',
  channelIdFormat: {
    pattern: /^arn:aws[a-z-]*:ivschat:[a-z0-9-]+:[0-9]{12}:room\/[a-zA-Z0-9-]+$/,
    example: 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6',
  },
  settings: {
    IVS_BOT_USER_ID: { description: 'identity of the bridge bot in IVS rooms', required: true },
    IVS_MESSAGING_URL: {
      description: 'IVS messaging WebSocket (default wss://edge.ivschat.<region>.amazonaws.com)',
    },
    IVS_SESSION_MINUTES: {
      description: 'IVS chat session length for issued tokens, 1-180 (default 60)',
    },
  },
  botIdentities: (settings) => (settings.IVS_BOT_USER_ID ? [settings.IVS_BOT_USER_ID] : []),
  outbound: ({ settings }) => createIvsOutboundAdapter({ env: settings }),
  token: {
    create: ({ env, clients }) =>
      createIvsTokenMinter({
        env,
        clientFor: (clients.ivsClientFor as IvsClientFor | undefined) ?? defaultIvsClientFor,
      }),
  },
  // [V] README IVS-33: rooms come from the control plane's CreateRoom at 5 TPS per account and
  // region, with an ARN AWS assigns; see the README's "Portal channels: not supported" for the whole reason.
  channelCreation: {
    unsupported:
      'IVS assigns a room its ARN (a retried CreateRoom can make a second room), CreateRoom is limited to 5 TPS per account and region, and a new room needs IAM grants and the review handler before it can bridge: bridge rooms created ahead of time',
  },
};
