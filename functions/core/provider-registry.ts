import type { WebhookAdapter } from './inbound';
import type { OutboundAdapter } from './outbound';
import type {
  ChannelCreation,
  ChannelIdFormat,
  ProviderModule,
  ProviderPoller,
  ProviderSetting,
  TokenClients,
  TokenPart,
} from './provider-module';
import { WEB_CHANNEL_FORMAT, WEB_PROVIDER, type ProviderName } from './providers';
import type { SecretValues, SecretsSource } from './secrets';
import type { TokenMinter } from './tokens';

export type ProviderStatus = 'configured' | 'not-configured';

/** A provider's token flow once built: a minter, or the reason it has none. */
export type TokenFlow = { mint: TokenMinter } | { unsupported: string };

/** Looks a provider's bot identities up in the current settings (cached by the source). */
export interface BotIdentities {
  of(provider: ProviderName): Promise<readonly string[]>;
}

/**
 * The one registry: every per-provider lookup the bridge makes, derived from the module list.
 * The core asks it; it never names a provider.
 */
export class ProviderRegistry {
  private readonly byName: ReadonlyMap<ProviderName, ProviderModule>;

  constructor(readonly modules: readonly ProviderModule[]) {
    const byName = new Map<ProviderName, ProviderModule>();
    for (const module of modules) {
      if (module.name === WEB_PROVIDER || byName.has(module.name)) {
        throw new Error(`provider registry: "${module.name}" is listed twice or reserved`);
      }
      byName.set(module.name, module);
    }
    this.byName = byName;
  }

  get names(): ProviderName[] {
    return [...this.byName.keys()];
  }

  get(name: string): ProviderModule | undefined {
    return this.byName.get(name);
  }

  /** Channel id formats of every participant, `web` (the bridge's own clients) included. */
  channelIdFormats(): Record<ProviderName, ChannelIdFormat> {
    return {
      ...Object.fromEntries(this.modules.map((m) => [m.name, m.channelIdFormat])),
      [WEB_PROVIDER]: WEB_CHANNEL_FORMAT,
    };
  }

  /** Whether each provider opens channels for portal rules, and how (or why not). */
  channelCreation(): Record<ProviderName, ChannelCreation> {
    return Object.fromEntries(
      this.modules.map((m) => [
        m.name,
        m.channelCreation ?? { unsupported: `${m.name} declares no channel creation` },
      ]),
    );
  }

  /** Every provider variable with its declaration, for the stack, `.env.example` and checks. */
  settings(): Record<string, ProviderSetting & { provider: ProviderName }> {
    return Object.fromEntries(
      this.modules.flatMap((m) =>
        Object.entries(m.settings).map(([name, setting]) => [
          name,
          { ...setting, provider: m.name },
        ]),
      ),
    );
  }

  missingSettings(name: ProviderName, settings: SecretValues): string[] {
    const module = this.byName.get(name);
    if (!module) return [];
    return Object.entries(module.settings)
      .filter(([key, setting]) => setting.required && !settings[key])
      .map(([key]) => key);
  }

  isConfigured(name: ProviderName, settings: SecretValues): boolean {
    return this.byName.has(name) && this.missingSettings(name, settings).length === 0;
  }

  status(settings: SecretValues): Record<ProviderName, ProviderStatus> {
    return Object.fromEntries(
      this.names.map((name) => [
        name,
        this.isConfigured(name, settings) ? 'configured' : 'not-configured',
      ]),
    );
  }

  webhookProviders(): ProviderName[] {
    return this.modules.filter((m) => m.webhook).map((m) => m.name);
  }

  webhookAdapter(name: string, settings: SecretValues): WebhookAdapter | undefined {
    return this.byName.get(name)?.webhook?.create(settings);
  }

  outboundAdapters(settings: SecretValues): Record<ProviderName, OutboundAdapter> {
    return Object.fromEntries(
      this.modules.flatMap((m) => (m.outbound ? [[m.name, m.outbound({ settings })]] : [])),
    );
  }

  tokenFlows(env: SecretValues, clients: TokenClients): Record<ProviderName, TokenFlow> {
    const build = (part: TokenPart): TokenFlow =>
      'unsupported' in part ? part : { mint: part.create({ env, clients }) };
    return Object.fromEntries(
      this.modules.flatMap((m) => (m.token ? [[m.name, build(m.token)]] : [])),
    );
  }

  pollers(): [ProviderName, ProviderPoller][] {
    return this.modules.flatMap((m) => (m.poller ? [[m.name, m.poller] as const] : []));
  }

  /** Bot identities from the same merged settings the adapters read. */
  botIdentities(source: SecretsSource): BotIdentities {
    return {
      of: async (name) => this.byName.get(name)?.botIdentities(await source.load()) ?? [],
    };
  }
}
