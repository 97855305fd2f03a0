import type { Attachment, MessageData } from '../../core/event';
import type { EventDraft, Normalized } from '../../core/inbound';
import { readEchoMarker, withoutMarker } from '../shared/marker';
import type {
  PingstreamsEventKind,
  PingstreamsMessage,
  PingstreamsMessageWebhook,
  PingstreamsRequest,
  PingstreamsRequestWebhook,
  PingstreamsWebhook,
} from './schema';

/** Message types whose `metadata` describes a file ([V] README PS-10: image, file). */
const MEDIA_TYPES = new Set(['image', 'file']);

/** Why each known, non-relayed event kind is acknowledged without an event. */
const IGNORED_REASONS: Record<
  Exclude<PingstreamsEventKind, 'message.create' | `request.${string}`>,
  string
> = {
  'lead.create': 'a lead is a contact record; its conversation arrives as request.create',
  project_user: 'project membership and agent availability are Pingstreams administration',
  'user.signup': 'an account sign-up belongs to no conversation',
  faq: 'FAQ and bot knowledge-base changes are Pingstreams configuration, not chat',
  department: 'departments are Pingstreams routing configuration, not chat',
  group: 'agent groups are Pingstreams routing configuration, not chat',
  project: 'project lifecycle is Pingstreams administration, not chat',
  'event.emit': 'custom events are application-defined; the bridge does not relay them',
  'operator.select':
    'a synchronous routing hook; the bridge does not choose operators, so Pingstreams routes as usual',
};

/** A request's display name: the subject when set, else its opening message. */
function requestChannel(request: PingstreamsRequest): EventDraft['channel'] {
  const name = request.subject || request.first_text;
  return { id: request.request_id, ...(name && { name }) };
}

function attachmentsOf(message: PingstreamsMessage): Attachment[] {
  const media = message.metadata;
  if (!media || !MEDIA_TYPES.has(message.type ?? 'text')) return [];
  return [
    {
      ...(media.src != null && { url: media.src }),
      ...(media.name != null && { name: media.name }),
      ...(media.type != null && { contentType: media.type }),
      ...(media.size != null && { size: media.size }),
    },
  ];
}

/**
 * Info messages (`attributes.subtype` "info", "info/support") are Tiledesk's own notices, e.g.
 * CHAT_CLOSED. They are stored like any message so the history stays
 * complete, but flagged so a relay or a client can leave them out.
 */
function messageData(message: PingstreamsMessage): MessageData {
  const attributes = message.attributes ?? undefined;
  const subtype = attributes?.subtype ?? undefined;
  const system = subtype?.startsWith('info') === true;
  const label = attributes?.messagelabel?.key ?? undefined;
  const meta = {
    ...withoutMarker<unknown>(attributes),
    ...(system && { system: true, subtype, ...(label && { label }) }),
  };
  return {
    id: message._id,
    ...(message.text != null && { text: message.text }),
    attachments: attachmentsOf(message),
    ...(Object.keys(meta).length > 0 && { meta }),
  };
}

function messageCreated({ payload, timestamp }: PingstreamsMessageWebhook): EventDraft {
  const echoMarker = readEchoMarker(payload.attributes ?? undefined);
  const name = payload.request?.subject || payload.request?.first_text;
  return {
    type: 'chat.message.created',
    // The recipient of a request message is the request id (support-group-...).
    channel: { id: payload.recipient, ...(name && { name }) },
    occurredAt: payload.createdAt ?? payload.request?.updatedAt ?? timestamp,
    identity: [payload._id],
    sender: {
      id: payload.sender,
      ...(payload.senderFullname != null && { displayName: payload.senderFullname }),
    },
    message: messageData(payload),
    ...(echoMarker && { echoMarker }),
  };
}

function requestEvent(
  kind: 'request.create' | 'request.update' | 'request.close',
  { payload, timestamp }: PingstreamsRequestWebhook,
): EventDraft {
  const channel = requestChannel(payload);
  switch (kind) {
    case 'request.create':
      return {
        type: 'chat.channel.created',
        channel,
        occurredAt: payload.createdAt ?? timestamp,
        identity: [payload.request_id],
      };
    case 'request.update':
      // Requests change many times and carry no revision; the notification time tells one
      // update from the next, and a retried POST repeats the same body and so the same time.
      return {
        type: 'chat.channel.updated',
        channel,
        occurredAt: timestamp,
        identity: [payload.request_id, String(timestamp)],
      };
    case 'request.close':
      // A closed request takes no new messages but keeps its history: that is a frozen
      // channel, not a deleted one. A request can be reopened (PUT .../reopen, announced as
      // request.update) and closed again; each close stamps a new closed_at, so it is part of
      // the identity, while a retried delivery repeats it.
      return {
        type: 'chat.channel.frozen',
        channel,
        occurredAt: payload.closed_at ?? payload.updatedAt ?? timestamp,
        identity: payload.closed_at
          ? [payload.request_id, payload.closed_at]
          : [payload.request_id],
      };
  }
}

/** One Pingstreams subscription delivery as event drafts. */
export function normalizePingstreamsWebhook(parsed: PingstreamsWebhook): Normalized {
  switch (parsed.kind) {
    case 'message.create':
      return { events: [messageCreated(parsed.webhook)], ignored: [] };
    case 'request.create':
    case 'request.update':
    case 'request.close':
      return { events: [requestEvent(parsed.kind, parsed.webhook)], ignored: [] };
    default:
      return {
        events: [],
        ignored: [{ kind: parsed.webhook.hook.event, reason: IGNORED_REASONS[parsed.kind] }],
      };
  }
}
