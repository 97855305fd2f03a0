import type { EventDraft, Normalized } from '../../core/inbound';
import { readEchoMarker, withoutMarker } from '../shared/marker';
import type { IvsChatLogRecord, IvsReviewInput } from './schema';

/** The SendEvent name the bridge uses in its alternative delivery mode. */
export const BRIDGE_EVENT_NAME = 'bridge:message';

function displayNameOf(attributes: Record<string, string> | undefined): string | undefined {
  return attributes?.displayName ?? attributes?.display_name ?? attributes?.username;
}

function messageDraft(input: {
  id: string;
  roomArn: string;
  content: string;
  attributes: Record<string, string> | undefined;
  sender: { UserId: string; Attributes?: Record<string, string> | undefined };
  occurredAt: string | Date;
}): EventDraft {
  const displayName = displayNameOf(input.sender.Attributes);
  const meta = withoutMarker(input.attributes);
  const echoMarker = readEchoMarker(input.attributes);
  return {
    type: 'chat.message.created',
    channel: { id: input.roomArn },
    occurredAt: input.occurredAt,
    identity: [input.id],
    sender: { id: input.sender.UserId, ...(displayName !== undefined && { displayName }) },
    message: {
      id: input.id,
      text: input.content,
      attachments: [],
      ...(meta && { meta }),
    },
    ...(echoMarker && { echoMarker }),
  };
}

/**
 * A message seen by the review handler. It carries no send time, so the time it was reviewed
 * stands in; the chat-log copy of the same message maps to the same event id.
 */
export function normalizeIvsReviewInput(input: IvsReviewInput, reviewedAt: Date): Normalized {
  return {
    events: [
      messageDraft({
        id: input.MessageId,
        roomArn: input.RoomArn,
        content: input.Content,
        attributes: input.Attributes,
        sender: input.Sender,
        occurredAt: reviewedAt,
      }),
    ],
    ignored: [],
  };
}

/** One chat-logging record of a room. */
export function normalizeIvsChatLogRecord(record: IvsChatLogRecord, roomArn: string): Normalized {
  if (record.type === 'MESSAGE') {
    const { payload } = record;
    return {
      events: [
        messageDraft({
          id: payload.Id,
          roomArn,
          content: payload.Content,
          attributes: payload.Attributes,
          sender: payload.Sender,
          occurredAt: payload.SendTime,
        }),
      ],
      ignored: [],
    };
  }
  const { payload } = record;
  const attributes = payload.Attributes ?? {};
  if (payload.EventName === 'aws:DELETE_MESSAGE' && attributes.MessageID) {
    return {
      events: [
        {
          type: 'chat.message.deleted',
          channel: { id: roomArn },
          occurredAt: payload.SendTime,
          // The deleted message is the occurrence: two delete events for one message are one.
          identity: [attributes.MessageID],
          message: {
            id: attributes.MessageID,
            attachments: [],
            ...(attributes.Reason && { meta: { reason: attributes.Reason } }),
          },
        },
      ],
      ignored: [],
    };
  }
  if (payload.EventName === 'aws:DISCONNECT_USER' && attributes.UserId) {
    return {
      events: [
        {
          type: 'chat.member.disconnected',
          channel: { id: roomArn },
          occurredAt: payload.SendTime,
          identity: [payload.Id],
          member: {
            id: attributes.UserId,
            ...(attributes.Reason && { reason: attributes.Reason }),
          },
        },
      ],
      ignored: [],
    };
  }
  const reason =
    payload.EventName === BRIDGE_EVENT_NAME
      ? 'the bridge’s own SendEvent delivery (an echo)'
      : 'custom IVS events are application-defined; the bridge does not relay them';
  return { events: [], ignored: [{ kind: `EVENT:${payload.EventName}`, reason }] };
}
