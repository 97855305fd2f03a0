import type { ProviderModule } from '../../core/provider-module';
import { createAzStackOutboundAdapter } from './outbound';

/**
 * AZStack: socket-only for clients, so nothing is relayed into it (`skipped`); its users
 * authenticate through `POST /auth/azstack`, which checks their app JWT.
 */
export const azstack: ProviderModule = {
  name: 'azstack',
  channelIdFormat: { pattern: /^[0-9]{1,20}$/, example: '1234' },
  settings: {
    AZSTACK_APP_ID: { description: 'AZStack app id', required: true },
    AZSTACK_PRIVATE_KEY: {
      description: 'AZStack app RSA private key (PEM)',
      secret: true,
      required: true,
    },
    AZSTACK_SECRET_CODE: {
      description: 'AZStack secret code for the md5 check',
      secret: true,
      required: true,
    },
  },
  botIdentities: () => [],
  outbound: () => createAzStackOutboundAdapter(),
  token: {
    unsupported:
      'AZStack clients authenticate through AZStack itself: set POST /auth/azstack as the app Authentication URL and pass an app JWT as userCredentials',
  },
  channelCreation: {
    unsupported:
      'the bridge cannot deliver to AZStack at all (socket-only protocol, no server API)',
  },
};
