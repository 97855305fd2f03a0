import * as v from 'valibot';
import { causeSummary } from '../core/error-cause';
import type { Bridge, BridgeChannel, Bridges } from '../core/bridges';
import {
  ForbiddenError,
  NotConfiguredError,
  NotFoundError,
  NotImplementedError,
  ProviderError,
} from '../core/errors';
import { canUseBridge, type AppIdentity } from '../core/identity';
import type { Logger } from '../core/log';
import type { Metrics } from '../core/ports';
import type { ProviderName } from '../core/providers';
import { parseWith } from '../core/validation';
import type { SecretValues, SecretsSource } from '../infra/secrets';
import { createGitpleTokenMinter } from './gitple/token';
import { createIvsTokenMinter, defaultIvsClientFor, type IvsClientFor } from './ivs/token';
import { createPingstreamsTokenMinter } from './pingstreams/token';
import { PROVIDER_REQUIREMENTS, isConfigured, type ConfigurableProvider } from './status';

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

/** A provider either mints tokens, or says why it has no token flow (a 501). */
export type TokenFlow = { mint: TokenMinter } | { unsupported: string };

/** Clients the minters talk through; tests point them at local servers. */
export interface TokenClients {
  fetch: typeof fetch;
  ivsClientFor: IvsClientFor;
}

/** The registry: one entry per provider, so the handler never branches on a name. */
export function createTokenFlows(
  env: NodeJS.ProcessEnv,
  clients: TokenClients,
): Record<ConfigurableProvider, TokenFlow> {
  return {
    ivs: { mint: createIvsTokenMinter({ env, clientFor: clients.ivsClientFor }) },
    gitple: { mint: createGitpleTokenMinter({ fetch: clients.fetch }) },
    pingstreams: { mint: createPingstreamsTokenMinter({ fetch: clients.fetch }) },
    tigerconnect: {
      unsupported:
        'TigerConnect has no public API to mint a client token; its users sign in with the TigerConnect SDK',
    },
    azstack: {
      unsupported:
        'AZStack clients authenticate through AZStack itself: set POST /auth/azstack as the app Authentication URL and pass an app JWT as userCredentials',
    },
  };
}

export const defaultTokenClients = (): TokenClients => ({
  fetch: (input, init) => fetch(input, init),
  ivsClientFor: defaultIvsClientFor,
});

const TokenRequestSchema = v.object({
  bridge: v.pipe(
    v.string('bridge must be a string'),
    v.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'bridge must be a bridge id'),
  ),
});

export interface TokenIssuerDeps {
  bridges: Bridges;
  /** The bridge bot's identity per provider: never handed to a user. */
  botUserIds?: Partial<Record<ProviderName, readonly string[]>>;
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
  const flows = createTokenFlows(deps.env, { ...defaultTokenClients(), ...deps.clients });
  const now = deps.now ?? (() => new Date());
  return {
    async issue(provider, identity, body) {
      const flow = Object.hasOwn(flows, provider)
        ? flows[provider as ConfigurableProvider]
        : undefined;
      if (flow === undefined) {
        throw new NotFoundError(
          /^[a-z]{1,32}$/.test(provider)
            ? `no token flow for provider "${provider}"`
            : 'no token flow for this provider',
        );
      }
      if ('unsupported' in flow) throw new NotImplementedError(flow.unsupported);
      const name = provider as ConfigurableProvider;

      // Anything besides `bridge` (capabilities, userId, durations) is ignored by design.
      const { bridge: bridgeId } = parseWith(TokenRequestSchema, body, 'token request');
      const bridge = deps.bridges.get(bridgeId);
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
      if ((deps.botUserIds?.[name] ?? []).includes(identity.sub)) {
        throw new ForbiddenError(`user id "${identity.sub}" is reserved for the bridge bot`);
      }
      const secrets = await deps.secrets.load();
      if (!isConfigured(name, secrets)) {
        const missing = PROVIDER_REQUIREMENTS[name].filter((key) => !secrets[key]);
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
