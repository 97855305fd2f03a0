import * as v from 'valibot';
import { ConfigError } from './errors';
import { firstIssue } from './validation';
import { EVENT_TYPES, type EventType } from './event';
import { ChannelCreateSchema, createdChannelProblem, type ChannelCreationCatalog } from './portals';
import type { ChannelIdFormat } from './provider-module';
import { ProviderNameSchema, WEB_PROVIDER, channelKey, type ProviderName } from './providers';

export const DIRECTIONS = ['in', 'out', 'inout'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const ChannelSchema = v.object({
  provider: ProviderNameSchema,
  channel: v.pipe(v.string(), v.minLength(1)),
  direction: v.optional(v.picklist(DIRECTIONS), 'inout'),
  /** IVS only: deliver as a chat MESSAGE from the bot (default) or as a `bridge:message` event. */
  mode: v.optional(v.picklist(['message', 'event']), 'message'),
  /** A channel a portal rule created for this bridge: opened before the first delivery to it. */
  create: v.optional(ChannelCreateSchema),
});

const BridgeSchema = v.object({
  id: v.pipe(
    v.string(),
    v.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'bridge id: 1-64 letters, digits, _ or -'),
  ),
  channels: v.pipe(v.array(ChannelSchema), v.minLength(1, 'a bridge needs at least one channel')),
  senderFormat: v.optional(v.pipe(v.string(), v.minLength(1)), '[{provider}] {sender}: {text}'),
  relay: v.optional(v.array(v.picklist(EVENT_TYPES)), [
    'chat.message.created',
    'chat.message.updated',
    'chat.message.deleted',
  ]),
});

export const BridgesConfigSchema = v.object({ bridges: v.array(BridgeSchema) });

export type BridgeChannel = v.InferOutput<typeof ChannelSchema>;
export type Bridge = v.InferOutput<typeof BridgeSchema>;
export type BridgesConfig = v.InferOutput<typeof BridgesConfigSchema>;

/** Validated, indexed bridges: every lookup the hot paths need is a map access. */
export class Bridges {
  private readonly byId = new Map<string, Bridge>();
  private readonly byChannel = new Map<string, { bridge: Bridge; channel: BridgeChannel }>();
  private readonly closedById: ReadonlyMap<string, Bridge>;

  /**
   * `closed`: bridges their rule has closed. They own no channel any more, but the events
   * stored under them before the close (the closing one included) are still theirs to relay.
   */
  constructor(
    readonly config: BridgesConfig,
    closed: readonly Bridge[] = [],
  ) {
    this.closedById = new Map(closed.map((bridge) => [bridge.id, bridge]));
    for (const bridge of config.bridges) {
      this.byId.set(bridge.id, bridge);
      // Every bridge has its own WebSocket clients as an implicit `web` channel named after it:
      // what they send belongs to the bridge, and they are served by the push fan-out rather
      // than as a delivery target, so the channel is indexed but not listed in `channels`.
      this.byChannel.set(channelKey(WEB_PROVIDER, bridge.id), {
        bridge,
        channel: {
          provider: WEB_PROVIDER,
          channel: bridge.id,
          direction: 'inout',
          mode: 'message',
        },
      });
      for (const channel of bridge.channels) {
        // An out-only channel may be shared by many bridges (e.g. the support room every
        // rule-made bridge mirrors into); a channel that is read belongs to one bridge only.
        const key = channelKey(channel.provider, channel.channel);
        if (channel.direction === 'out' && this.byChannel.has(key)) continue;
        this.byChannel.set(key, { bridge, channel });
      }
    }
  }

  get(id: string): Bridge | undefined {
    return this.byId.get(id);
  }

  all(): readonly Bridge[] {
    return this.config.bridges;
  }

  /** These bridges and one more (a bridge a rule just opened). */
  with(bridge: Bridge): Bridges {
    return new Bridges({ bridges: [...this.config.bridges, bridge] }, [
      ...this.closedById.values(),
    ]);
  }

  /** The bridge an event was stored under: open, or closed by its rule since it was stored. */
  ofEvent(subject: string): Bridge | undefined {
    return this.byId.get(subject) ?? this.closedById.get(subject);
  }

  /** The bridge a provider channel belongs to, if any (a channel belongs to at most one). */
  forChannel(
    provider: ProviderName,
    channelId: string,
  ): { bridge: Bridge; channel: BridgeChannel } | undefined {
    return this.byChannel.get(channelKey(provider, channelId));
  }

  /** Whether events of this type from this channel may flow into the bridge at all. */
  acceptsInbound(provider: ProviderName, channelId: string): boolean {
    const found = this.forChannel(provider, channelId);
    return found !== undefined && found.channel.direction !== 'out';
  }

  relays(bridge: Bridge, type: EventType): boolean {
    return bridge.relay.includes(type);
  }

  /** Channels of every provider of the given name, e.g. the rooms a grant must name. */
  channelsOf(provider: ProviderName): string[] {
    return this.config.bridges.flatMap((bridge) =>
      bridge.channels.filter((c) => c.provider === provider).map((c) => c.channel),
    );
  }
}

/**
 * Validate a bridges document against the known providers' channel formats (the registry's
 * `channelIdFormats()`); errors name the bridge and the field.
 */
export function parseBridgesConfig(
  input: unknown,
  formats: Readonly<Record<ProviderName, ChannelIdFormat>>,
  source = 'bridges.json',
  /** Checks `create` channels against what each provider can create (else direction only). */
  creation?: ChannelCreationCatalog,
): Bridges {
  const result = v.safeParse(BridgesConfigSchema, input);
  if (!result.success) {
    // Not a caller's 400: a bad bridges document stops the deployment, naming the bridge.
    const { field, reason } = firstIssue(result.issues);
    const bridgeId = bridgeIdAt(input, field ?? null);
    throw new ConfigError(
      `${source}: ${bridgeId ? `bridge "${bridgeId}": ` : ''}${field ?? '(root)'}: ${reason}`,
    );
  }
  const config = result.output;
  const seenBridges = new Set<string>();
  const seenChannels = new Map<string, string>();
  config.bridges.forEach((bridge, i) => {
    if (seenBridges.has(bridge.id)) {
      throw new ConfigError(
        `${source}: bridge "${bridge.id}": bridges.${i}.id: duplicate bridge id`,
      );
    }
    seenBridges.add(bridge.id);
    bridge.channels.forEach((channel, j) => {
      const field = `bridges.${i}.channels.${j}.channel`;
      if (channel.provider === WEB_PROVIDER) {
        throw new ConfigError(
          `${source}: bridge "${bridge.id}": bridges.${i}.channels.${j}.provider: web clients join every bridge implicitly; do not list them`,
        );
      }
      const format = Object.hasOwn(formats, channel.provider)
        ? formats[channel.provider]
        : undefined;
      if (format === undefined) {
        throw new ConfigError(
          `${source}: bridge "${bridge.id}": bridges.${i}.channels.${j}.provider: unknown provider "${channel.provider}" (known: ${Object.keys(
            formats,
          )
            .filter((name) => name !== WEB_PROVIDER)
            .join(', ')})`,
        );
      }
      if (!format.pattern.test(channel.channel)) {
        throw new ConfigError(
          `${source}: bridge "${bridge.id}": ${field}: "${channel.channel}" is not a ${channel.provider} channel id (e.g. ${format.example})`,
        );
      }
      const problem = channel.create && createdChannelProblem(channel, creation);
      if (problem) {
        throw new ConfigError(
          `${source}: bridge "${bridge.id}": bridges.${i}.channels.${j}.${problem.field}: ${problem.message}`,
        );
      }
      // Out-only channels are written to, never read: several bridges may share one.
      if (channel.direction === 'out') return;
      const key = channelKey(channel.provider, channel.channel);
      const other = seenChannels.get(key);
      if (other !== undefined) {
        throw new ConfigError(
          `${source}: bridge "${bridge.id}": ${field}: channel already belongs to bridge "${other}"`,
        );
      }
      seenChannels.set(key, bridge.id);
    });
  });
  return new Bridges(config);
}

function bridgeIdAt(input: unknown, path: string | null): string | undefined {
  const match = path?.match(/^bridges\.(\d+)/);
  if (!match || typeof input !== 'object' || input === null) return undefined;
  const bridges = (input as { bridges?: unknown }).bridges;
  if (!Array.isArray(bridges)) return undefined;
  const bridge: unknown = bridges[Number(match[1])];
  const id =
    typeof bridge === 'object' && bridge !== null ? (bridge as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}
