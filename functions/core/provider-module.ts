import type { WebhookAdapter } from './inbound';
import type { IngestDeps } from './ingest';
import type { OutboundAdapter } from './outbound';
import type { ProviderName } from './providers';
import type { SecretValues, SecretsSource } from './secrets';
import type { TokenMinter } from './tokens';

/** What a provider's channel ids look like: bridges are validated against it before deploy. */
export interface ChannelIdFormat {
  pattern: RegExp;
  example: string;
}

/** One variable a provider reads. */
export interface ProviderSetting {
  description: string;
  /** Secrets live in Secrets Manager on AWS and are never logged, printed or output. */
  secret?: boolean;
  /** Needed for tokens and outbound delivery: the provider is "configured" when all are set. */
  required?: boolean;
}

/** How the webhook URL registered in the provider's console proves a delivery. */
export interface WebhookRegistration {
  /** The secret whose value the registered URL carries as `?key=`. */
  queryKey?: string;
  /** The secret holding what the provider sends back for verification, and what it is. */
  verifiedBy?: { secret: string; how: string };
}

export interface OutboundContext {
  /** The merged settings (environment and Secrets Manager alike). */
  settings: SecretValues;
}

/** Clients token minters talk through; tests point them at local servers. */
export interface TokenClients {
  fetch: typeof fetch;
  /** Provider-specific clients by name (e.g. an IVS client factory), for tests to replace. */
  [client: string]: unknown;
}

/** A provider either mints client tokens, or says why it has no token flow (a 501). */
export type TokenPart =
  | { create(context: { env: SecretValues; clients: TokenClients }): TokenMinter }
  | { unsupported: string };

/**
 * A provider that can open a channel per conversation (portal rules). The outbound adapter
 * makes the call (`createChannel`, and `closeChannel` where the provider can close one); this
 * part says what the rules may ask for and names the channel before it exists.
 */
export interface ChannelCreationPart {
  /**
   * The id the created channel will have, chosen by the bridge from `key` (one per bridge and
   * created channel, `portalKey`), so that a retried, replayed or racing creation names the
   * same channel and the provider makes it once. Undefined when the settings lack what an id
   * needs (the provider is not configured).
   */
  channelId(key: string, settings: SecretValues): string | undefined;
  /** Most members a rule may add to a created channel; 0 when the provider takes none. */
  maxMembers: number;
}

/** A provider either opens channels for conversations, or says why it cannot. */
export type ChannelCreation = ChannelCreationPart | { unsupported: string };

/** What a poller needs of the runtime: the ingest dependencies plus its settings. */
export interface PollerRuntime extends IngestDeps {
  secrets: SecretsSource;
  env: NodeJS.ProcessEnv;
}

/** For providers that offer no push: read their event source on a schedule, store, ack. */
export interface ProviderPoller {
  poll(options: { runtime: PollerRuntime; budgetMs?: number }): Promise<unknown>;
}

/**
 * Everything the bridge knows of one provider, exported by `functions/providers/<name>/index.ts`
 * and listed once in `functions/providers/index.ts`. Every registry (webhooks, outbound
 * adapters, token flows, health status, channel formats, bot identities, settings) is derived
 * from the list, so adding a provider is its folder and one line.
 */
export interface ProviderModule {
  readonly name: ProviderName;
  readonly channelIdFormat: ChannelIdFormat;
  /** Every variable the provider's parts read, by name. */
  readonly settings: Readonly<Record<string, ProviderSetting>>;
  /** The bridge bot's own identities: their messages are echoes, and no user is minted one. */
  botIdentities(settings: SecretValues): readonly string[];
  readonly webhook?: {
    create(settings: SecretValues): WebhookAdapter;
    registration: WebhookRegistration;
  };
  readonly outbound?: (context: OutboundContext) => OutboundAdapter;
  readonly token?: TokenPart;
  readonly poller?: ProviderPoller;
  /** Channels opened per conversation by portal rules; absent means unsupported. */
  readonly channelCreation?: ChannelCreation;
}
