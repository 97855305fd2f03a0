import type { OutboundAdapter } from '../core/outbound';
import type { ProviderName } from '../core/providers';
import type { SecretValues } from '../infra/secrets';
import { createAzStackOutboundAdapter } from './azstack/outbound';
import { createGitpleOutboundAdapter } from './gitple/outbound';
import { createIvsOutboundAdapter } from './ivs/outbound';
import { createPingstreamsOutboundAdapter } from './pingstreams/outbound';
import { createTigerConnectOutboundAdapter } from './tigerconnect/outbound';

export interface OutboundContext {
  secrets: SecretValues;
  env: NodeJS.ProcessEnv;
}

type OutboundFactory = (context: OutboundContext) => OutboundAdapter;

/** One outbound adapter per provider; the relay core only sees their capabilities. */
const OUTBOUND_ADAPTERS: Partial<Record<ProviderName, OutboundFactory>> = {
  azstack: () => createAzStackOutboundAdapter(),
  gitple: ({ secrets, env }) => createGitpleOutboundAdapter({ secrets, env }),
  ivs: ({ env }) => createIvsOutboundAdapter({ env }),
  pingstreams: ({ secrets, env }) => createPingstreamsOutboundAdapter({ secrets, env }),
  tigerconnect: ({ secrets, env }) => createTigerConnectOutboundAdapter({ secrets, env }),
};

export function createOutboundAdapters(
  context: OutboundContext,
): Partial<Record<ProviderName, OutboundAdapter>> {
  return Object.fromEntries(
    Object.entries(OUTBOUND_ADAPTERS).map(([provider, factory]) => [provider, factory!(context)]),
  );
}
