import type { Attachment } from '../../core/event';
import type { EventDraft, IgnoredKind, Normalized } from '../../core/inbound';
import { readOriginMarker, withoutOriginEntry } from './marker';
import {
  IQ_PREFIX,
  MESSAGE_EVENT_KEYS,
  METADATA_UPDATE_KEY,
  type MessageEventKey,
  type TigerConnectDataEntry,
  type TigerConnectEventRecord,
  type TigerConnectMessage,
  type TigerConnectMetadataUpdate,
} from './schema';

export interface TigerConnectNormalizeOptions {
  /** The user token the bridge reads the stream as and posts as. */
  botUserId?: string;
  /** Stands in for a missing `created_time`; defaults to the time of normalizing. */
  receivedAt?: Date;
}

export const UNKNOWN_EVENT_REASON = 'unknown TigerConnect event';

/** Ignored kinds can reach metric dimensions and responses: keep a hostile name short. */
const MAX_KIND_LENGTH = 64;

/**
 * Known event kinds the bridge acknowledges without storing (names: [V] README TC-8; their
 * payloads are not public: [G] README TC-9). Keys are the type without the `tigertext:iq:` prefix.
 */
const IGNORED_KINDS: Record<string, string> = {
  'message:status': 'delivery and read status; receipts are not relayed',
  status: 'delivery and read status; receipts are not relayed',
  'message:is_typing': 'typing indicator; ephemeral, not relayed',
  presence: 'presence change; not a chat event',
  'sse:heartbeat': 'stream keep-alive',
  client_advisory: 'stream advisory (replay_start / replay_stop), not a chat event',
  remote_wipe: 'device wipe instruction for TigerConnect clients; nothing to relay',
  bang: 'client notification with no chat content',
};
const IGNORED_PREFIXES: [prefix: string, reason: string][] = [
  ['update:', 'account or organization settings change; not a chat event'],
];

/** One record of the TigerConnect event stream, normalized. Never throws on an odd event. */
export function normalizeTigerConnectEvent(
  record: TigerConnectEventRecord,
  options: TigerConnectNormalizeOptions = {},
): Normalized {
  const receivedAt = options.receivedAt ?? new Date();
  const events: EventDraft[] = [];
  const ignored: IgnoredKind[] = [];
  for (const key of Object.keys(record.event)) {
    if (isMessageKey(key)) {
      const message = record.event[key];
      if (message) events.push(messageDraft(message, key, options.botUserId, receivedAt));
      continue;
    }
    if (key === METADATA_UPDATE_KEY) {
      const update = record.event[METADATA_UPDATE_KEY];
      if (!update) continue;
      const outcome = metadataUpdateDraft(update, record.event_id, options.botUserId, receivedAt);
      if ('reason' in outcome) ignored.push(outcome);
      else events.push(outcome);
      continue;
    }
    ignored.push(ignoredKind(key));
  }
  return { events, ignored };
}

/**
 * The channel a message belongs to. A group message lives in its group (the recipient token).
 * A 1:1 conversation has no id of its own, and the bridge can only answer into it with
 * `POST /v2/message {recipient}`, so the channel is the bot's conversation partner: the sender
 * when the bot received the message, the recipient otherwise (including the bot's own posts).
 */
export function conversationChannel(
  message: { sender_token: string; recipient_token: string },
  group: boolean,
  botUserId: string | undefined,
): string {
  if (group) return message.recipient_token;
  return botUserId !== undefined && message.recipient_token === botUserId
    ? message.sender_token
    : message.recipient_token;
}

function isMessageKey(key: string): key is MessageEventKey {
  return (MESSAGE_EVENT_KEYS as readonly string[]).includes(key);
}

function messageDraft(
  message: TigerConnectMessage,
  key: MessageEventKey,
  botUserId: string | undefined,
  receivedAt: Date,
): EventDraft {
  const group = key !== `${IQ_PREFIX}message`;
  const echoMarker = readOriginMarker(message.data);
  const meta = metaOf(message, withoutOriginEntry(message.data));
  return {
    type: 'chat.message.created',
    channel: { id: conversationChannel(message, group, botUserId) },
    occurredAt: message.created_time ?? receivedAt,
    identity: [message.message_id],
    sender: { id: message.sender_token },
    message: {
      id: message.message_id,
      ...(message.body !== undefined && { text: message.body }),
      attachments: (message.attachments ?? []).map((attachment): Attachment => ({
        name: attachment.attachment_id,
        ...(attachment['content-type'] !== undefined && {
          contentType: attachment['content-type'],
        }),
        ...(attachment.size !== undefined && { size: attachment.size }),
      })),
      ...(meta && { meta }),
    },
    ...(echoMarker && { echoMarker }),
  };
}

/**
 * `msg:metadata_update` changes a message's `data[]`, never its body ([I] README TC-11), so the
 * update carries meta only. Each update is its own occurrence: identity is message + event id.
 */
function metadataUpdateDraft(
  update: TigerConnectMetadataUpdate,
  eventId: string,
  botUserId: string | undefined,
  receivedAt: Date,
): EventDraft | IgnoredKind {
  const kind = 'msg:metadata_update';
  if (update.message_id === undefined) {
    return { kind, reason: 'a metadata update without message_id names no message' };
  }
  if (update.recipient_token === undefined) {
    return { kind, reason: 'a metadata update without recipient_token names no conversation' };
  }
  const channelId = conversationChannel(
    { sender_token: update.sender_token ?? '', recipient_token: update.recipient_token },
    false,
    botUserId,
  );
  if (channelId === '') {
    return { kind, reason: 'a metadata update to the bot without sender_token names no partner' };
  }
  const echoMarker = readOriginMarker(update.data);
  const data = withoutOriginEntry(update.data);
  return {
    type: 'chat.message.updated',
    channel: { id: channelId },
    occurredAt: update.updated_time ?? update.created_time ?? receivedAt,
    identity: [update.message_id, eventId],
    ...(update.sender_token !== undefined && { sender: { id: update.sender_token } }),
    message: {
      id: update.message_id,
      attachments: [],
      ...(data.length > 0 && { meta: { data } }),
    },
    ...(echoMarker && { echoMarker }),
  };
}

/** Organizations are kept because replying through `POST /v2/message` needs them. */
function metaOf(
  message: TigerConnectMessage,
  data: TigerConnectDataEntry[],
): Record<string, unknown> | undefined {
  const meta: Record<string, unknown> = {
    ...(message.sender_organization !== undefined && {
      senderOrganization: message.sender_organization,
    }),
    ...(message.recipient_organization !== undefined && {
      recipientOrganization: message.recipient_organization,
    }),
    ...(data.length > 0 && { data }),
  };
  return Object.keys(meta).length > 0 ? meta : undefined;
}

/**
 * A kind the bridge does not store. An unknown one is acknowledged too: the stream replays
 * whatever is not acked, so refusing one odd event would block every event behind it.
 */
function ignoredKind(key: string): IgnoredKind {
  const type = key.startsWith(IQ_PREFIX) ? key.slice(IQ_PREFIX.length) : key;
  const kind = type.slice(0, MAX_KIND_LENGTH) || '(empty)';
  if (!key.startsWith(IQ_PREFIX)) return { kind, reason: UNKNOWN_EVENT_REASON };
  const known =
    (Object.hasOwn(IGNORED_KINDS, type) ? IGNORED_KINDS[type] : undefined) ??
    IGNORED_PREFIXES.find(([prefix]) => type.startsWith(prefix))?.[1];
  return { kind, reason: known ?? UNKNOWN_EVENT_REASON };
}
