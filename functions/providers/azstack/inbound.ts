import type { Attachment } from '../../core/event';
import type { Normalized } from '../../core/inbound';
import { MESSAGE_TYPE, type AzStackMessage } from './schema';

export const UNKNOWN_TYPE_REASON = 'unknown AZStack message type';

/** Group system messages (types 4-9): membership and group changes, not chat content. */
const GROUP_SYSTEM_TYPES: Record<number, { kind: string; reason: string }> = {
  [MESSAGE_TYPE.groupCreated]: {
    kind: 'group_created',
    reason: 'group creation notice; channels are configured in bridges.json, not mirrored',
  },
  [MESSAGE_TYPE.groupInvited]: {
    kind: 'group_invited',
    reason: 'group membership notice; membership is not relayed',
  },
  [MESSAGE_TYPE.groupLeft]: {
    kind: 'group_left',
    reason: 'group membership notice; membership is not relayed',
  },
  [MESSAGE_TYPE.groupRenamed]: {
    kind: 'group_renamed',
    reason: 'group rename notice; channel names are not relayed',
  },
  [MESSAGE_TYPE.groupAdminChanged]: {
    kind: 'group_admin_changed',
    reason: 'group admin change; roles are not relayed',
  },
  [MESSAGE_TYPE.groupPublicJoined]: {
    kind: 'group_public_joined',
    reason: 'public group join notice; membership is not relayed',
  },
};

/**
 * One message as an AZStack SDK delegate sees it (a bot client's input; AZStack has no
 * webhook). The channel is the conversation the SDK files it under: the group for a group
 * chat, the partner for a 1:1 chat. `msgId` is chosen by the sending client and unique only
 * per sender, so the identity is sender + msgId.
 */
export function normalizeAzStackMessage(message: AzStackMessage): Normalized {
  const groupSystem = GROUP_SYSTEM_TYPES[message.type];
  if (groupSystem) return { events: [], ignored: [groupSystem] };
  if (!isContentType(message.type)) {
    return { events: [], ignored: [{ kind: `type:${message.type}`, reason: UNKNOWN_TYPE_REASON }] };
  }
  const senderId = String(message.senderId);
  const messageId = String(message.msgId);
  const base = {
    channel: { id: String(message.chatId) },
    identity: [senderId, messageId],
    sender: { id: senderId },
  };
  if (message.deleted) {
    return {
      events: [
        {
          ...base,
          type: 'chat.message.deleted',
          // The delete is the last change the SDK saw: `modified`, else the send time.
          occurredAt: message.modified ?? message.created,
          message: { id: messageId, attachments: [] },
        },
      ],
      ignored: [],
    };
  }
  const { attachments, meta } = contentOf(message);
  return {
    events: [
      {
        ...base,
        type: 'chat.message.created',
        occurredAt: message.created,
        message: {
          id: messageId,
          ...(message.text !== undefined && { text: message.text }),
          attachments,
          ...(meta && { meta }),
        },
      },
    ],
    ignored: [],
  };
}

function isContentType(type: number): boolean {
  return type === MESSAGE_TYPE.text || type === MESSAGE_TYPE.sticker || type === MESSAGE_TYPE.file;
}

function contentOf(message: AzStackMessage): {
  attachments: Attachment[];
  meta?: Record<string, unknown>;
} {
  if (message.type === MESSAGE_TYPE.sticker && message.sticker) {
    const { name, url, catId } = message.sticker;
    return {
      attachments: [{ ...(url !== undefined && { url }), ...(name !== undefined && { name }) }],
      ...(catId !== undefined && { meta: { stickerCategory: catId } }),
    };
  }
  if (message.type === MESSAGE_TYPE.file && message.file) {
    const { name, url, length, type } = message.file;
    return {
      attachments: [
        {
          ...(url !== undefined && { url }),
          ...(name !== undefined && { name }),
          ...(length !== undefined && { size: length }),
        },
      ],
      // AZStack's file `type` is its own numeric category, not a MIME type.
      ...(type !== undefined && { meta: { fileType: type } }),
    };
  }
  return { attachments: [] };
}
