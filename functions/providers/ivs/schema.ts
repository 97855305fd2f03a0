import * as v from 'valibot';

const StringMap = v.record(v.string(), v.string());
const RoomArn = v.pipe(
  v.string(),
  v.regex(
    /^arn:aws[a-z-]*:ivschat:[a-z0-9-]+:[0-9]{12}:room\/[a-zA-Z0-9-]+$/,
    'not an IVS room ARN',
  ),
);
const MessageId = v.pipe(v.string(), v.minLength(1), v.maxLength(128));

/** The message review handler's Lambda input (AWS docs, chat-message-review-handler). */
export const IvsReviewInputSchema = v.looseObject({
  Content: v.string(),
  MessageId,
  RoomArn,
  Attributes: v.optional(StringMap),
  Sender: v.looseObject({
    UserId: v.pipe(v.string(), v.minLength(1)),
    Attributes: v.optional(StringMap),
    Ip: v.optional(v.string()),
  }),
});
export type IvsReviewInput = v.InferOutput<typeof IvsReviewInputSchema>;

const ChatLogMessagePayload = v.looseObject({
  Type: v.literal('MESSAGE'),
  Id: MessageId,
  Content: v.string(),
  Attributes: v.optional(StringMap),
  Sender: v.looseObject({
    UserId: v.pipe(v.string(), v.minLength(1)),
    Attributes: v.optional(StringMap),
  }),
  SendTime: v.string(),
  RequestId: v.optional(v.string()),
});

const ChatLogEventPayload = v.looseObject({
  Type: v.literal('EVENT'),
  Id: MessageId,
  EventName: v.pipe(v.string(), v.minLength(1)),
  Attributes: v.optional(StringMap),
  SendTime: v.string(),
  RequestId: v.optional(v.string()),
});

/** One chat-logging record: `{event_timestamp, type, version, payload}` (AWS chat-logging). */
export const IvsChatLogRecordSchema = v.variant('type', [
  v.looseObject({
    event_timestamp: v.string(),
    type: v.literal('MESSAGE'),
    version: v.string(),
    payload: ChatLogMessagePayload,
  }),
  v.looseObject({
    event_timestamp: v.string(),
    type: v.literal('EVENT'),
    version: v.string(),
    payload: ChatLogEventPayload,
  }),
]);
export type IvsChatLogRecord = v.InferOutput<typeof IvsChatLogRecordSchema>;
