import * as v from 'valibot';
import type { Bridge, BridgeChannel } from './bridges';
import type { BridgeSource } from './bridge-source';
import { causeSummary } from './error-cause';
import {
  ForbiddenError,
  NotConfiguredError,
  NotFoundError,
  NotImplementedError,
  ProviderError,
} from './errors';
import { canUseBridge, type AppIdentity } from './identity';
import type { Logger } from './log';
import type { Metrics } from './ports';
import type { TokenClients } from './provider-module';
import type { BotIdentities, ProviderRegistry } from './provider-registry';
import type { SecretValues, SecretsSource } from './secrets';
import { parseWith } from './validation';

/** What a provider's minter gets: the caller, the bridge channel, and current secrets. */
export interface TokenContext {
  identity: AppIdentity;
  bridge: Bridge;
  channel: BridgeChannel;
  secrets: SecretValues;
  now: Date;
}

/** Returns exactly the JSON the provider's client SDK consumes. */
export type TokenMinter = (context: TokenContext) => Promise<Record<string, unknown>>;

export const defaultTokenClients = (): TokenClients => ({
  fetch: (input, init) => fetch(input, init),
});

const TokenRequestSchema = v.object({
  bridge: v.pipe(
    v.string('bridge must be a string'),
    v.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'bridge must be a bridge id'),
  ),
});

export interface TokenIssuerDeps {
  providers: ProviderRegistry;
  /** Bridges change at run time: each token request looks its bridge up in a fresh snapshot. */
  bridgeSource: BridgeSource;
  /** The bridge bot's identities per provider: never handed to a user. */
  botIdentities: BotIdentities;
  secrets: SecretsSource;
  env: NodeJS.ProcessEnv;
  log: Logger;
  metrics: Metrics;
  clients?: Partial<TokenClients>;
  now?: () => Date;
}

export interface TokenIssuer {
  /** Decide, from the identity alone, whether and what to mint; the body only names the bridge. */
  issue(provider: string, identity: AppIdentity, body: unknown): Promise<Record<string, unknown>>;
}

export function createTokenIssuer(deps: TokenIssuerDeps): TokenIssuer {
  const flows = deps.providers.tokenFlows(deps.env, { ...defaultTokenClients(), ...deps.clients });
  const now = deps.now ?? (() => new Date());
  return {
    async issue(provider, identity, body) {
      const flow = Object.hasOwn(flows, provider) ? flows[provider] : undefined;
      if (flow === undefined) {
        throw new NotFoundError(
          /^[a-z]{1,32}$/.test(provider)
            ? `no token flow for provider "${provider}"`
            : 'no token flow for this provider',
        );
      }
      if ('unsupported' in flow) throw new NotImplementedError(flow.unsupported);
      const name = provider;

      // Anything besides `bridge` (capabilities, userId, durations) is ignored by design.
      const { bridge: bridgeId } = parseWith(TokenRequestSchema, body, 'token request');
      const bridge = (await deps.bridgeSource.current([bridgeId])).get(bridgeId);
      if (bridge === undefined) throw new NotFoundError(`unknown bridge "${bridgeId}"`);
      if (!canUseBridge(identity, bridgeId)) {
        throw new ForbiddenError(`your app token does not allow bridge "${bridgeId}"`);
      }
      // A bridge may hold several channels of one provider; tokens are for the first listed.
      const channel = bridge.channels.find((c) => c.provider === name);
      if (channel === undefined) {
        throw new NotFoundError(`bridge "${bridgeId}" has no ${name} channel`);
      }
      // A user holding the bot's identity could post as the bridge, and everything they sent
      // would be dropped as an echo.
      if ((await deps.botIdentities.of(name)).includes(identity.sub)) {
        throw new ForbiddenError(`user id "${identity.sub}" is reserved for the bridge bot`);
      }
      const secrets = await deps.secrets.load();
      const missing = deps.providers.missingSettings(name, secrets);
      if (missing.length > 0) {
        throw new NotConfiguredError(
          `${name} is not configured on this bridge (${missing.join(', ')})`,
        );
      }
      try {
        const token = await flow.mint({ identity, bridge, channel, secrets, now: now() });
        deps.metrics.count('TokensIssued', { provider: name });
        deps.log.info('token issued', { provider: name, bridge: bridgeId, user: identity.sub });
        return token;
      } catch (error) {
        if (error instanceof ProviderError) {
          deps.metrics.count('TokenProviderErrors', { provider: name });
          deps.log.warn('provider refused a token request', {
            provider: name,
            bridge: bridgeId,
            detail: error.message,
            providerStatus: error.providerStatus,
            cause: causeSummary(error),
          });
        }
        throw error;
      }
    },
  };
}
