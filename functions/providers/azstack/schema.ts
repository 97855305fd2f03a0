import * as v from 'valibot';

/**
 * The message object AZStack's SDKs hand their delegates ([V] README AZ-10; constants:
 * [V] README AZ-11). AZStack ids are numbers; a numeric string is accepted too, since a bot
 * client may have serialized them ([I] README AZ-12).
 */

export const CHAT_TYPE = { user: 1, group: 2 } as const;

export const MESSAGE_TYPE = {
  text: 1,
  sticker: 2,
  file: 3,
  groupCreated: 4,
  groupInvited: 5,
  groupLeft: 6,
  groupRenamed: 7,
  groupAdminChanged: 8,
  groupPublicJoined: 9,
} as const;

const NumericId = v.union(
  [
    v.pipe(v.number(), v.integer(), v.minValue(0)),
    v.pipe(v.string(), v.regex(/^[0-9]{1,20}$/, 'not a numeric id')),
  ],
  'not a numeric id',
);

const EpochMs = v.pipe(v.number(), v.integer(), v.minValue(0));

/** `{name: imgName, catId, url}` as the React Native SDK builds it. */
const StickerSchema = v.looseObject({
  name: v.optional(v.string()),
  catId: v.optional(v.union([v.number(), v.string()])),
  url: v.optional(v.string()),
});

/** `{name: fileName, length: fileLength, type, url}` as the React Native SDK builds it. */
const FileSchema = v.looseObject({
  name: v.optional(v.string()),
  length: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  type: v.optional(v.union([v.number(), v.string()])),
  url: v.optional(v.string()),
});

export const AzStackMessageSchema = v.looseObject({
  chatType: v.picklist([CHAT_TYPE.user, CHAT_TYPE.group], 'chatType is 1 (user) or 2 (group)'),
  chatId: NumericId,
  senderId: NumericId,
  receiverId: v.optional(NumericId),
  msgId: NumericId,
  type: v.pipe(v.number(), v.integer(), v.minValue(1)),
  status: v.optional(v.number()),
  /** The SDK uses 0/1 constants; a boolean is read the same way. */
  deleted: v.optional(v.union([v.boolean(), v.number()])),
  created: EpochMs,
  modified: v.optional(EpochMs),
  text: v.optional(v.string()),
  sticker: v.optional(StickerSchema),
  file: v.optional(FileSchema),
});
export type AzStackMessage = v.InferOutput<typeof AzStackMessageSchema>;
