import * as v from 'valibot';
import type { CommonEvent } from './event';
import { formatRelayText } from './format';
import type { ChannelCreation } from './provider-module';
import type { ProviderName } from './providers';

/**
 * Portals: a rule channel that names `create` in place of a fixed channel gets a channel of
 * its own at the target for each conversation the rule opens a bridge for (one Gitple room per
 * Pingstreams request), so what agents write there goes back to that one conversation.
 */

/** What a created channel's `name` template may use, filled from the conversation's first message. */
const NAME_PLACEHOLDERS = ['sender', 'channel', 'provider', 'text'] as const;

/** Longest `name` template; the provider cuts the filled-in name to its own limit. */
export const MAX_PORTAL_NAME_TEMPLATE = 200;
/** Longest member id, as long as any id the bridge stores (limits.ts). */
export const MAX_PORTAL_MEMBER_ID = 256;

const unknownPlaceholders = (template: string) =>
  [...template.matchAll(/\{([^{}]*)\}/g)]
    .map(([, name]) => name!)
    .filter((name) => !(NAME_PLACEHOLDERS as readonly string[]).includes(name));

export const ChannelCreateSchema = v.object({
  /** e.g. "{sender} — {channel}": the first message's sender and the conversation's channel. */
  name: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1, 'a channel name template is needed'),
      v.maxLength(MAX_PORTAL_NAME_TEMPLATE, `at most ${MAX_PORTAL_NAME_TEMPLATE} characters`),
      v.check(
        (template) => unknownPlaceholders(template).length === 0,
        (issue) =>
          `unknown placeholder {${unknownPlaceholders(String(issue.input))[0]}} (known: ${NAME_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`,
      ),
    ),
    '{sender} — {channel}',
  ),
  /** Target users added to every created channel (the bridge bot joins by itself). */
  members: v.optional(
    v.pipe(
      v.array(
        v.pipe(
          v.string(),
          v.minLength(1, 'a member id is not empty'),
          v.maxLength(MAX_PORTAL_MEMBER_ID, `a member id is at most ${MAX_PORTAL_MEMBER_ID} bytes`),
        ),
      ),
      v.check((ids) => new Set(ids).size === ids.length, 'a member is listed twice'),
    ),
    [],
  ),
});

export type ChannelCreateSpec = v.InferOutput<typeof ChannelCreateSchema>;

/**
 * The key a created channel's id is derived from: the bridge id, with its position among the
 * rule's created channels when there is more than one. Every container derives the same key,
 * so a retried, replayed or racing creation names the same channel.
 */
export function portalKey(bridgeId: string, index: number): string {
  return index === 0 ? bridgeId : `${bridgeId}-${index + 1}`;
}

/** A created channel's name: the template filled from the message that opens it. */
export function portalName(spec: ChannelCreateSpec, event: CommonEvent): string {
  const sender = event.data.sender;
  return formatRelayText(spec.name, {
    provider: event.data.provider,
    sender: sender?.displayName ?? sender?.id ?? 'unknown',
    text: event.data.message?.text ?? '',
    channel: event.data.channel.name ?? event.data.channel.id,
  });
}

/**
 * The pseudo-event under which the relay records that a created channel exists (one record
 * per target channel, beside its deliveries), so containers other than the creator skip the
 * provider call.
 */
export const CHANNEL_CREATION_EVENT = 'channel#created';

/** Whether providers open channels for portal rules (the registry's `channelCreation()`). */
export type ChannelCreationCatalog = Readonly<Record<ProviderName, ChannelCreation>>;

/**
 * What is wrong with a channel that names `create` (a rule's, or a bridge's that a rule opened
 * and an operator or the file writes back): it is written to, so `inout` or `out`, and its
 * provider must open channels, with no more members than it takes. Undefined when nothing is;
 * without a catalog only the direction is checked.
 */
export function createdChannelProblem(
  channel: { provider: ProviderName; direction: string; create?: ChannelCreateSpec },
  catalog: ChannelCreationCatalog | undefined,
): { field: string; message: string } | undefined {
  if (channel.direction === 'in') {
    return {
      field: 'direction',
      message: 'a created channel is written to, so it is "inout" or "out"',
    };
  }
  if (catalog === undefined) return undefined;
  const support = Object.hasOwn(catalog, channel.provider) ? catalog[channel.provider] : undefined;
  if (!support || 'unsupported' in support) {
    return {
      field: 'create',
      message: `${channel.provider} cannot create channels: ${support?.unsupported ?? 'no channel creation'}`,
    };
  }
  const members = channel.create?.members.length ?? 0;
  if (members > support.maxMembers) {
    return {
      field: 'create.members',
      message:
        support.maxMembers === 0
          ? `${channel.provider} takes no members when it creates a channel`
          : `at most ${support.maxMembers} members for ${channel.provider} (${members} given)`,
    };
  }
  return undefined;
}
