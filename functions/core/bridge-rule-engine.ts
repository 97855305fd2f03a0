import type { Bridge, Bridges } from './bridges';
import {
  ruleBridge,
  ruleBridgeId,
  ruleOpens,
  type BridgeRule,
  type ChannelCreationCatalog,
  type RuleChannel,
} from './bridge-rules';
import type { BridgeSource } from './bridge-source';
import type { BridgeStore } from './bridge-store';
import { ChannelClaims } from './channel-claims';
import type { CommonEvent } from './event';
import type { EventDraft } from './inbound';
import type { Logger } from './log';
import type { ChannelIdFormat } from './provider-module';
import type { Metrics } from './ports';
import type { ProviderName } from './providers';
import type { SecretValues } from './secrets';

export interface BridgeRuleDeps {
  store: BridgeStore;
  source: BridgeSource;
  formats: Readonly<Record<ProviderName, ChannelIdFormat>>;
  log: Logger;
  metrics: Metrics;
  /** How providers open channels for portal rules (the registry's `channelCreation()`). */
  creation?: ChannelCreationCatalog;
  /** The merged settings, which some providers need to name a channel before it exists. */
  settings?: () => Promise<SecretValues>;
  now?: () => Date;
}

/**
 * Bridges made on demand. Ingest asks it to `open` before it stores a delivery's events, so
 * the first event of a new channel already carries the new bridge as its subject and the
 * relay delivers it like any other; and to `close` after storing, so the closing event itself
 * still belongs to the bridge while later ones do not.
 */
export class BridgeRuleEngine {
  /** Providers where some rule creates channels: their channels may be hours, or ms, old. */
  private readonly portalProviders: ReadonlySet<ProviderName>;
  private readonly claims: ChannelClaims;

  constructor(
    private readonly rules: readonly BridgeRule[],
    private readonly deps: BridgeRuleDeps,
  ) {
    this.portalProviders = new Set(
      rules.flatMap((r) => r.bridge.channels.filter((c) => c.create).map((c) => c.provider)),
    );
    this.claims = new ChannelClaims(deps.store, {
      log: deps.log,
      ...(deps.now && { now: deps.now }),
    });
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The snapshot to store these events with: `bridges` plus any bridge a rule opened. */
  async open(
    provider: ProviderName,
    drafts: readonly EventDraft[],
    bridges: Bridges,
  ): Promise<Bridges> {
    let current = bridges;
    let checked = false;
    for (const draft of drafts) {
      let found = current.forChannel(provider, draft.channel.id);
      // A portal's created channel is in a bridge from the moment the bridge opens, but this
      // container's snapshot may predate it by up to the cache TTL, and an agent can answer
      // within it: an unknown channel of such a provider is looked up against the table's
      // current revision (one small read) before its event is stored unbridged.
      if (!found && !checked && this.portalProviders.has(provider)) {
        checked = true;
        current = await this.deps.source.latest();
        found = current.forChannel(provider, draft.channel.id);
      }
      if (found && found.channel.direction !== 'out') continue;
      const rule = this.rules.find((r) => ruleOpens(r, provider, draft));
      if (!rule) continue;
      const ensured = await this.ensure(rule, provider, draft.channel.id);
      if (ensured && 'heldBy' in ensured) {
        // Another bridge holds the channel (an operator's, newer than this snapshot): the
        // events belong to it, so take a snapshot that has it.
        current = await this.deps.source.current([ensured.heldBy]);
      } else if (ensured) current = current.with(ensured.open);
    }
    return current;
  }

  /**
   * Whether a stored event is the one its rule closes its bridge on: the relay then closes
   * the bridge's created channels too. The same test `close` applies at ingest, so the two
   * cannot disagree.
   */
  closes(event: CommonEvent): boolean {
    const { provider, channel } = event.data;
    return this.closingRule(provider, event.type, channel.id, event.subject) !== undefined;
  }

  private closingRule(
    provider: ProviderName,
    type: EventDraft['type'],
    channelId: string,
    bridgeId: string,
  ): BridgeRule | undefined {
    return this.rules.find(
      (r) => r.close?.types.includes(type) && ruleBridgeId(r.id, provider, channelId) === bridgeId,
    );
  }

  /** Close the rule-made bridges whose rule says these events end them. */
  async close(provider: ProviderName, drafts: readonly EventDraft[], bridges: Bridges) {
    for (const draft of drafts) {
      const found = bridges.forChannel(provider, draft.channel.id);
      if (!found) continue;
      const rule = this.closingRule(provider, draft.type, draft.channel.id, found.bridge.id);
      if (!rule) continue;
      const closed = await this.deps.store.close(found.bridge.id, this.now());
      if (closed) {
        this.deps.source.invalidate();
        await this.claims.release(closed);
        this.deps.metrics.count('BridgesClosed', { rule: rule.id });
        this.deps.log.info('rule closed a bridge', { rule: rule.id, bridge: found.bridge.id });
      }
    }
  }

  /**
   * The open bridge of this rule and channel, created by one conditional write when absent:
   * of several deliveries racing for a new channel one creates it and the others read it.
   * A closed or deleted one stays so (the rule does not reopen what was ended). The channel it
   * reads is claimed first, as operators' bridges are: when another bridge holds it, nothing
   * is opened and the answer names that bridge.
   */
  private async ensure(
    rule: BridgeRule,
    provider: ProviderName,
    channelId: string,
  ): Promise<{ open: Bridge } | { heldBy: string } | undefined> {
    if (this.deps.source.isRetired(ruleBridgeId(rule.id, provider, channelId))) return undefined;
    const format = this.deps.formats[provider];
    if (format && !format.pattern.test(channelId)) {
      this.deps.log.warn('rule matched a channel id its provider does not use', {
        rule: rule.id,
        provider,
      });
      return undefined;
    }
    const settings = rule.bridge.channels.some((c) => c.create)
      ? ((await this.deps.settings?.()) ?? {})
      : {};
    const bridge = ruleBridge(rule, provider, channelId, (channel, key) =>
      this.createdChannelId(rule, channel, key, settings),
    );
    // A channel to create cannot be named yet (its provider is not configured): nothing is
    // opened, so the conversation's next event, once it can be, opens the whole bridge.
    if (bridge === undefined) return undefined;
    // A portal's created channel is read too, so it is claimed with the rest: one bridge each.
    const outcome = await this.claims.write(bridge, undefined, () =>
      this.deps.store.create({ bridge, origin: 'rule', ruleId: rule.id }, this.now()),
    );
    if ('taken' in outcome) {
      this.deps.log.info('rule found its channel held by another bridge', {
        rule: rule.id,
        bridge: outcome.taken.owner,
      });
      return { heldBy: outcome.taken.owner };
    }
    const created = 'written' in outcome ? outcome.written : undefined;
    if (created) {
      this.deps.metrics.count('BridgesOpened', { rule: rule.id });
      this.deps.log.info('rule opened a bridge', { rule: rule.id, bridge: bridge.id });
    }
    const record = created ?? (await this.deps.store.get(bridge.id));
    this.deps.source.invalidate();
    return record?.status === 'open' ? { open: record.bridge } : undefined;
  }

  /**
   * The id of a channel the rule creates, from the provider's own naming (the same in every
   * container, so racing first events agree); undefined, and no bridge opened, when the
   * provider cannot name one now (not configured).
   */
  private createdChannelId(
    rule: BridgeRule,
    channel: RuleChannel,
    key: string,
    settings: SecretValues,
  ): string | undefined {
    const part = this.deps.creation?.[channel.provider];
    const id = part && !('unsupported' in part) ? part.channelId(key, settings) : undefined;
    const format = this.deps.formats[channel.provider];
    if (id !== undefined && (!format || format.pattern.test(id))) return id;
    this.deps.log.warn('rule cannot name a channel to create; no bridge is opened yet', {
      rule: rule.id,
      provider: channel.provider,
    });
    this.deps.metrics.count('PortalBridgesNotOpened', { rule: rule.id });
    return undefined;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
