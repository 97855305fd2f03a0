import type { EventType, MessageData, Person } from '../../core/event';
import { ValidationError } from '../../core/errors';
import type { EventDraft, Normalized } from '../../core/inbound';
import { readEchoMarker, withoutMarker } from '../shared/marker';
import type {
  GitpleCategory,
  GitpleChannel,
  GitpleMessage,
  GitpleUser,
  GitpleWebhook,
} from './schema';

type Normalizer = (webhook: GitpleWebhook) => Normalized;

/** A value the category needs; its absence names the field, as a schema failure would. */
function required<T>(value: T | null | undefined, field: string, webhook: GitpleWebhook): T {
  if (value === undefined || value === null) {
    throw new ValidationError(
      `Gitple webhook: ${field}: required for category ${webhook.category}`,
      field,
    );
  }
  return value;
}

function one(draft: EventDraft): Normalized {
  return { events: [draft], ignored: [] };
}

function channelOf(channel: GitpleChannel): EventDraft['channel'] {
  return { id: channel.channel_id, ...(channel.name && { name: channel.name }) };
}

function personOf(user: GitpleUser): Person {
  return {
    id: user.user_id,
    ...(user.name != null && { displayName: user.name }),
    ...(user.profile_url && { avatarUrl: user.profile_url }),
  };
}

/** Message events may come without the channel object; the message names its channel. */
function messageChannel(webhook: GitpleWebhook, message: GitpleMessage): EventDraft['channel'] {
  if (webhook.channel) return channelOf(webhook.channel);
  return { id: required(message.channel_id, 'message.channel_id', webhook) };
}

function messageData(message: GitpleMessage): MessageData {
  const attachments =
    message.type === 'file' && message.file
      ? [
          {
            ...(message.file.url != null && { url: message.file.url }),
            ...(message.file.name != null && { name: message.file.name }),
            ...(message.file.type != null && { contentType: message.file.type }),
            ...(message.file.size != null && { size: message.file.size }),
          },
        ]
      : [];
  const meta = {
    ...withoutMarker(message.meta ?? undefined),
    ...(message.filter && { filter: message.filter }),
  };
  return {
    id: String(message.message_id),
    ...(message.content != null && { text: message.content }),
    attachments,
    ...(Object.keys(meta).length > 0 && { meta }),
  };
}

function messageEvent(type: 'created' | 'updated' | 'deleted'): Normalizer {
  return (webhook) => {
    const message = required(webhook.message, 'message', webhook);
    const channel = messageChannel(webhook, message);
    const messageId = String(message.message_id);
    const echoMarker = readEchoMarker(message.meta ?? undefined);
    let occurredAt: number;
    let identity: string[];
    if (type === 'created') {
      occurredAt = required(message.created_at, 'message.created_at', webhook);
      identity = [channel.id, messageId];
    } else if (type === 'updated') {
      // Every edit is its own occurrence: the update time tells two edits of one message apart.
      occurredAt = required(message.updated_at, 'message.updated_at', webhook);
      identity = [channel.id, messageId, String(occurredAt)];
    } else {
      // A message is deleted once, so the message alone identifies the deletion.
      occurredAt = required(
        message.updated_at ?? webhook.channel?.updated_at ?? message.created_at,
        'message.updated_at',
        webhook,
      );
      identity = [channel.id, messageId];
    }
    return one({
      type: `chat.message.${type}`,
      channel,
      occurredAt,
      identity,
      ...(message.user && { sender: personOf(message.user) }),
      message: messageData(message),
      ...(echoMarker && { echoMarker }),
    });
  };
}

function channelEvent(
  type: Extract<EventType, `chat.channel.${string}`>,
  identifiedByTime: boolean,
): Normalizer {
  return (webhook) => {
    const channel = required(webhook.channel, 'channel', webhook);
    const occurredAt = required(channel.updated_at, 'channel.updated_at', webhook);
    return one({
      type,
      channel: channelOf(channel),
      occurredAt,
      // A channel is deleted once; it can be updated, frozen and unfrozen many times.
      identity: identifiedByTime ? [channel.channel_id, String(occurredAt)] : [channel.channel_id],
    });
  };
}

function memberEvent(type: Extract<EventType, `chat.member.${string}`>): Normalizer {
  return (webhook) => {
    const channel = required(webhook.channel, 'channel', webhook);
    const user = required(webhook.user, 'user', webhook);
    const ban = type === 'chat.member.banned' ? webhook.data : undefined;
    const occurredAt = required(
      (type === 'chat.member.joined' ? user.joined_at : undefined) ??
        ban?.start_at ??
        channel.updated_at,
      'channel.updated_at',
      webhook,
    );
    const person = personOf(user);
    return one({
      type,
      channel: channelOf(channel),
      occurredAt,
      identity: [channel.channel_id, user.user_id, String(occurredAt)],
      member: {
        id: person.id,
        ...(person.displayName !== undefined && { displayName: person.displayName }),
        ...(ban?.reason != null && ban.reason !== '' && { reason: ban.reason }),
        // end_at <= 0 is taken as "no end" (a permanent ban); the SDK does not say: [G] README GIT-15.
        ...(ban?.end_at != null && ban.end_at > 0 && { until: new Date(ban.end_at).toISOString() }),
      },
    });
  };
}

/**
 * Receipt events carry the channel only ([V] README GIT-16); the reader is the envelope's
 * `user` when the webhook sends one ([I] README GIT-17), else every entry of the channel's
 * per-user receipt map. Each (user, time) is its own event id, so replaying the whole map on
 * every receipt stores only the entries that moved.
 */
function receiptEvent(kind: 'read' | 'delivered'): Normalizer {
  const mapField = kind === 'read' ? 'read_receipt' : 'delivery_receipt';
  return (webhook) => {
    const channel = required(webhook.channel, 'channel', webhook);
    const times = channel[mapField] ?? {};
    const readers: [Person, number][] = webhook.user
      ? [
          [
            personOf(webhook.user),
            required(
              times[webhook.user.user_id] ?? channel.updated_at,
              'channel.updated_at',
              webhook,
            ),
          ],
        ]
      : Object.entries(times).map(([userId, at]): [Person, number] => [{ id: userId }, at]);
    if (readers.length === 0) {
      throw new ValidationError(
        `Gitple webhook: user: required for category ${webhook.category} (or channel.${mapField})`,
        'user',
      );
    }
    return {
      events: readers.map(([reader, at]) => ({
        type: `chat.receipt.${kind}`,
        channel: channelOf(channel),
        occurredAt: at,
        identity: [channel.channel_id, reader.id, String(at)],
        sender: reader,
      })),
      ignored: [],
    };
  };
}

function ignore(reason: string): Normalizer {
  return (webhook) => ({ events: [], ignored: [{ kind: webhook.category, reason }] });
}

const MANAGERS_IGNORED = ignore(
  'manager role changes are Gitple moderation state; the common events carry no roles',
);
const USER_IGNORED = ignore(
  'user profile changes belong to no channel, so no bridge can receive them',
);
const SDK_INTERNAL_IGNORED = ignore(
  'an SDK-internal notice to the affected user; the channel-level event carries the change',
);

/** The whole mapping, one entry per category: exhaustive by type. */
const NORMALIZERS: Record<GitpleCategory, Normalizer> = {
  'group:message_send': messageEvent('created'),
  'open:message_send': messageEvent('created'),
  'group:message_update': messageEvent('updated'),
  'open:message_update': messageEvent('updated'),
  'group:message_delete': messageEvent('deleted'),
  'open:message_delete': messageEvent('deleted'),
  'group:channel_update': channelEvent('chat.channel.updated', true),
  'open:channel_update': channelEvent('chat.channel.updated', true),
  'group:channel_delete': channelEvent('chat.channel.deleted', false),
  'open:channel_delete': channelEvent('chat.channel.deleted', false),
  'group:channel_freeze': channelEvent('chat.channel.frozen', true),
  'open:channel_freeze': channelEvent('chat.channel.frozen', true),
  'group:channel_unfreeze': channelEvent('chat.channel.unfrozen', true),
  'open:channel_unfreeze': channelEvent('chat.channel.unfrozen', true),
  'group:channel_join': memberEvent('chat.member.joined'),
  'group:channel_leave': memberEvent('chat.member.left'),
  'group:channel_ban': memberEvent('chat.member.banned'),
  'open:channel_ban': memberEvent('chat.member.banned'),
  'group:channel_unban': memberEvent('chat.member.unbanned'),
  'open:channel_unban': memberEvent('chat.member.unbanned'),
  'group:channel_message_read_event': receiptEvent('read'),
  'group:channel_message_delivered_event': receiptEvent('delivered'),
  'group:channel_manager_create': MANAGERS_IGNORED,
  'group:channel_manager_delete': MANAGERS_IGNORED,
  'open:channel_manager_create': MANAGERS_IGNORED,
  'open:channel_manager_delete': MANAGERS_IGNORED,
  'group:report_create': ignore(
    'abuse reports are Gitple’s moderation workflow, not chat content to relay',
  ),
  user_update: USER_IGNORED,
  user_delete: USER_IGNORED,
  user_joined_channel: SDK_INTERNAL_IGNORED,
  user_become_manager: SDK_INTERNAL_IGNORED,
};

/** One Gitple webhook delivery (the realtime envelope) as event drafts. */
export function normalizeGitpleWebhook(webhook: GitpleWebhook): Normalized {
  return NORMALIZERS[webhook.category](webhook);
}
