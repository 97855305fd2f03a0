import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { ChannelSchema, DIRECTIONS, type Bridge, type BridgeChannel } from './bridges';
import { ConfigError } from './errors';
import { EVENT_TYPES } from './event';
import type { EventDraft } from './inbound';
import {
  ChannelCreateSchema,
  createdChannelProblem,
  portalKey,
  type ChannelCreationCatalog,
} from './portals';
import type { ChannelIdFormat } from './provider-module';
import { ProviderNameSchema, WEB_PROVIDER, channelKey, type ProviderName } from './providers';

const RegexSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.check((source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression'),
);

/**
 * A channel of the bridge a rule opens: a fixed `channel` shared by every bridge of the rule
 * (so `out`), or `create`: a channel of its own opened at the provider for each bridge.
 */
const RuleChannelSchema = v.object({
  ...v.omit(ChannelSchema, ['channel', 'create']).entries,
  channel: v.optional(v.pipe(v.string(), v.minLength(1))),
  create: v.optional(ChannelCreateSchema),
});

const RuleSchema = v.object({
  // Short enough that `<rule id>-<16 hex>` is still a bridge id (at most 64 characters).
  id: v.pipe(v.string(), v.regex(/^[a-zA-Z0-9_-]{1,47}$/, 'rule id: 1-47 letters, digits, _ or -')),
  /** Which events open a bridge for their channel. */
  match: v.object({
    provider: ProviderNameSchema,
    /** Regular expression the whole channel id must match. */
    channel: RegexSchema,
    types: v.optional(v.pipe(v.array(v.picklist(EVENT_TYPES)), v.minLength(1)), [
      'chat.message.created',
      'chat.channel.created',
    ]),
    /** Provider metadata the event's message must carry (`message.meta`), value for value. */
    meta: v.optional(v.record(v.string(), v.string())),
  }),
  /** The bridge to open: the event's channel plus these fixed channels. */
  bridge: v.object({
    direction: v.optional(v.picklist(DIRECTIONS), 'inout'),
    channels: v.optional(v.array(RuleChannelSchema), []),
    senderFormat: v.optional(v.pipe(v.string(), v.minLength(1)), '[{provider}] {sender}: {text}'),
    relay: v.optional(v.array(v.picklist(EVENT_TYPES)), [
      'chat.message.created',
      'chat.message.updated',
      'chat.message.deleted',
    ]),
  }),
  /** Events of the bridged channel that close the bridge, e.g. a Pingstreams request.close. */
  close: v.optional(v.object({ types: v.pipe(v.array(v.picklist(EVENT_TYPES)), v.minLength(1)) })),
});

const RulesSectionSchema = v.object({ rules: v.optional(v.array(RuleSchema), []) });

export type BridgeRule = v.InferOutput<typeof RuleSchema>;
export type RuleChannel = v.InferOutput<typeof RuleChannelSchema>;

export type { ChannelCreationCatalog } from './portals';

/** A rule's bridge id: the rule and the channel decide it, so every container derives the same. */
export function ruleBridgeId(ruleId: string, provider: ProviderName, channelId: string): string {
  const hash = createHash('sha256').update(channelKey(provider, channelId)).digest('hex');
  return `${ruleId}-${hash.slice(0, 16)}`;
}

/** Whether this rule opens a bridge for this event. */
export function ruleOpens(rule: BridgeRule, provider: ProviderName, draft: EventDraft): boolean {
  if (rule.match.provider !== provider || !rule.match.types.includes(draft.type)) return false;
  if (!new RegExp(`^(?:${rule.match.channel})$`).test(draft.channel.id)) return false;
  const wanted = Object.entries(rule.match.meta ?? {});
  const meta = draft.message?.meta ?? {};
  return wanted.every(([key, value]) => Object.hasOwn(meta, key) && String(meta[key]) === value);
}

/**
 * The bridge a rule opens for one channel: that channel, the fixed channels, and a channel of
 * its own for each `create` one, named by `createdId` from the bridge's portal key. Undefined
 * when `createdId` cannot name one: a bridge without the channel its rule creates would stay
 * that way, since a rule never rewrites the bridge it opened.
 */
export function ruleBridge(
  rule: BridgeRule,
  provider: ProviderName,
  channelId: string,
  createdId: (channel: RuleChannel, key: string) => string | undefined = () => undefined,
): Bridge | undefined {
  const id = ruleBridgeId(rule.id, provider, channelId);
  let created = 0;
  const channels: BridgeChannel[] = [];
  for (const channel of rule.bridge.channels) {
    const { channel: fixed, create, ...rest } = channel;
    if (!create) {
      channels.push({ ...rest, channel: fixed! });
      continue;
    }
    const name = createdId(channel, portalKey(id, created++));
    if (name === undefined) return undefined;
    channels.push({ ...rest, channel: name, create });
  }
  return {
    id,
    channels: [
      { provider, channel: channelId, direction: rule.bridge.direction, mode: 'message' },
      ...channels,
    ],
    senderFormat: rule.bridge.senderFormat,
    relay: rule.bridge.relay,
  };
}

/**
 * The `rules` section of a bridges document, validated like the bridges: errors name the rule
 * and the field. Fixed channels are shared by every bridge a rule opens, so they must be
 * `out`: a channel that is read can belong to one bridge only.
 */
export function parseBridgeRules(
  input: unknown,
  formats: Readonly<Record<ProviderName, ChannelIdFormat>>,
  source = 'bridges.json',
  creation: ChannelCreationCatalog = {},
): BridgeRule[] {
  const result = v.safeParse(RulesSectionSchema, input);
  if (!result.success) {
    const [issue] = result.issues;
    const path = issue ? v.getDotPath(issue) : null;
    const ruleId = ruleIdAt(input, path);
    throw new ConfigError(
      `${source}: ${ruleId ? `rule "${ruleId}": ` : ''}${path ?? '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const seen = new Set<string>();
  result.output.rules.forEach((rule, i) => {
    const at = (field: string, message: string) =>
      new ConfigError(`${source}: rule "${rule.id}": rules.${i}.${field}: ${message}`);
    if (seen.has(rule.id)) throw at('id', 'duplicate rule id');
    seen.add(rule.id);
    const known = (provider: string) =>
      provider !== WEB_PROVIDER && Object.hasOwn(formats, provider);
    if (!known(rule.match.provider)) {
      throw at('match.provider', `unknown provider "${rule.match.provider}"`);
    }
    rule.bridge.channels.forEach((channel, j) => {
      if (!known(channel.provider)) {
        throw at(`bridge.channels.${j}.provider`, `unknown provider "${channel.provider}"`);
      }
      if ((channel.channel === undefined) === (channel.create === undefined)) {
        throw at(
          `bridge.channels.${j}`,
          'give either "channel" (a fixed channel) or "create" (a channel per bridge)',
        );
      }
      if (channel.create) {
        const problem = createdChannelProblem(channel, creation);
        if (problem) throw at(`bridge.channels.${j}.${problem.field}`, problem.message);
        return;
      }
      const format = formats[channel.provider]!;
      if (!format.pattern.test(channel.channel!)) {
        throw at(
          `bridge.channels.${j}.channel`,
          `"${channel.channel}" is not a ${channel.provider} channel id (e.g. ${format.example})`,
        );
      }
      if (channel.direction !== 'out') {
        throw at(
          `bridge.channels.${j}.direction`,
          'a fixed channel is shared by every bridge the rule opens, so it must be "out"',
        );
      }
    });
  });
  return result.output.rules;
}

function ruleIdAt(input: unknown, path: string | null): string | undefined {
  const match = path?.match(/^rules\.(\d+)/);
  const rules = (input as { rules?: unknown } | null)?.rules;
  if (!match || !Array.isArray(rules)) return undefined;
  const id = (rules[Number(match[1])] as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}
