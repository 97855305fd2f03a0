import * as v from 'valibot';
import { ProviderNameSchema } from './providers';

export const MESSAGE_EVENT_TYPES = [
  'chat.message.created',
  'chat.message.updated',
  'chat.message.deleted',
] as const;
export const CHANNEL_EVENT_TYPES = [
  'chat.channel.created',
  'chat.channel.updated',
  'chat.channel.deleted',
  'chat.channel.frozen',
  'chat.channel.unfrozen',
] as const;
export const MEMBER_EVENT_TYPES = [
  'chat.member.joined',
  'chat.member.left',
  'chat.member.banned',
  'chat.member.unbanned',
  'chat.member.disconnected',
] as const;
export const RECEIPT_EVENT_TYPES = ['chat.receipt.read', 'chat.receipt.delivered'] as const;

export const EVENT_TYPES = [
  ...MESSAGE_EVENT_TYPES,
  ...CHANNEL_EVENT_TYPES,
  ...MEMBER_EVENT_TYPES,
  ...RECEIPT_EVENT_TYPES,
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const NonEmpty = v.pipe(v.string(), v.minLength(1));
const Meta = v.record(v.string(), v.unknown());

export const AttachmentSchema = v.object({
  url: v.optional(v.string()),
  name: v.optional(v.string()),
  contentType: v.optional(v.string()),
  size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

export const MessageDataSchema = v.object({
  id: NonEmpty,
  text: v.optional(v.string()),
  attachments: v.array(AttachmentSchema),
  replyTo: v.optional(NonEmpty),
  meta: v.optional(Meta),
});

export const PersonSchema = v.object({
  id: NonEmpty,
  displayName: v.optional(v.string()),
  avatarUrl: v.optional(v.string()),
});

export const MemberDataSchema = v.object({
  id: NonEmpty,
  displayName: v.optional(v.string()),
  reason: v.optional(v.string()),
  until: v.optional(v.string()),
  meta: v.optional(Meta),
});

export const RelayOfSchema = v.object({ provider: ProviderNameSchema, eventId: NonEmpty });

export const EventDataSchema = v.object({
  provider: ProviderNameSchema,
  channel: v.object({ id: NonEmpty, name: v.optional(v.string()) }),
  sender: v.optional(PersonSchema),
  message: v.optional(MessageDataSchema),
  member: v.optional(MemberDataSchema),
  relayOf: v.optional(RelayOfSchema),
});

const isType = (types: readonly string[], type: string) => types.includes(type);

/** The one event every provider is normalized into: CloudEvents 1.0, structured JSON mode. */
export const CommonEventSchema = v.pipe(
  v.object({
    specversion: v.literal('1.0'),
    id: NonEmpty,
    source: v.pipe(v.string(), v.startsWith('chat-bridge/')),
    type: v.picklist(EVENT_TYPES),
    subject: NonEmpty,
    time: v.pipe(v.string(), v.isoTimestamp()),
    datacontenttype: v.literal('application/json'),
    data: EventDataSchema,
  }),
  v.forward(
    v.check(
      (event) => !isType(MESSAGE_EVENT_TYPES, event.type) || event.data.message !== undefined,
      'message events carry data.message',
    ),
    ['data', 'message'],
  ),
  v.forward(
    v.check(
      (event) => !isType(MEMBER_EVENT_TYPES, event.type) || event.data.member !== undefined,
      'member events carry data.member',
    ),
    ['data', 'member'],
  ),
);

export type CommonEvent = v.InferOutput<typeof CommonEventSchema>;
export type EventData = v.InferOutput<typeof EventDataSchema>;
export type MessageData = v.InferOutput<typeof MessageDataSchema>;
export type Attachment = v.InferOutput<typeof AttachmentSchema>;
export type Person = v.InferOutput<typeof PersonSchema>;
export type MemberData = v.InferOutput<typeof MemberDataSchema>;
export type RelayOf = v.InferOutput<typeof RelayOfSchema>;

export function isMessageEvent(type: EventType): boolean {
  return isType(MESSAGE_EVENT_TYPES, type);
}
