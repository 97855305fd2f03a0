import * as v from 'valibot';

/**
 * TigerConnect (TigerText) event-stream records. The envelope `{event_id, event: {"tigertext:iq:
 * <type>": {...}}}` is verified ([V] README TC-5); the inner message keys follow the message
 * JSON of the Java SDK's `MessageBuilder` and are inferred for the stream ([I] README TC-11). Everything is a
 * looseObject so fields TigerConnect adds later pass through untouched.
 */

/** Every event key carries this prefix; listeners in the vendor SDKs strip it. */
export const IQ_PREFIX = 'tigertext:iq:';

export const MESSAGE_EVENT_KEYS = [
  `${IQ_PREFIX}message`,
  `${IQ_PREFIX}group_message`,
  `${IQ_PREFIX}group:message`,
] as const;
export type MessageEventKey = (typeof MESSAGE_EVENT_KEYS)[number];

export const METADATA_UPDATE_KEY = `${IQ_PREFIX}msg:metadata_update` as const;

const NonEmpty = v.pipe(v.string(), v.minLength(1));

/** `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` ([V] README TC-10); any string `Date` can read is accepted. */
const Timestamp = v.pipe(
  v.string(),
  v.check((value) => !Number.isNaN(Date.parse(value)), 'not a valid time'),
);

const AttachmentSchema = v.looseObject({
  attachment_id: NonEmpty,
  'content-type': v.optional(v.string()),
  size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

/**
 * One `data[]` entry. The send API takes any payload and the SDK stringifies it, so a string is
 * expected; other JSON values are kept (as meta) rather than failing the whole event.
 */
const DataEntrySchema = v.looseObject({
  namespace: v.string(),
  mimetype: v.optional(v.string()),
  payload: v.optional(v.unknown()),
});
export type TigerConnectDataEntry = v.InferOutput<typeof DataEntrySchema>;

export const TigerConnectMessageSchema = v.looseObject({
  message_id: NonEmpty,
  sender_token: NonEmpty,
  sender_organization: v.optional(v.string()),
  recipient_token: NonEmpty,
  recipient_organization: v.optional(v.string()),
  created_time: v.optional(Timestamp),
  body: v.optional(v.string()),
  attachments: v.optional(v.array(AttachmentSchema)),
  data: v.optional(v.array(DataEntrySchema)),
});
export type TigerConnectMessage = v.InferOutput<typeof TigerConnectMessageSchema>;

/** `msg:metadata_update`'s payload is not public ([G] README TC-9): only what we read is typed. */
export const TigerConnectMetadataUpdateSchema = v.looseObject({
  message_id: v.optional(NonEmpty),
  sender_token: v.optional(NonEmpty),
  recipient_token: v.optional(NonEmpty),
  created_time: v.optional(Timestamp),
  updated_time: v.optional(Timestamp),
  data: v.optional(v.array(DataEntrySchema)),
});
export type TigerConnectMetadataUpdate = v.InferOutput<typeof TigerConnectMetadataUpdateSchema>;

const EventBodySchema = v.pipe(
  v.looseObject({
    [MESSAGE_EVENT_KEYS[0]]: v.optional(TigerConnectMessageSchema),
    [MESSAGE_EVENT_KEYS[1]]: v.optional(TigerConnectMessageSchema),
    [MESSAGE_EVENT_KEYS[2]]: v.optional(TigerConnectMessageSchema),
    [METADATA_UPDATE_KEY]: v.optional(TigerConnectMetadataUpdateSchema),
  }),
  v.check((event) => Object.keys(event).length > 0, 'needs a "tigertext:iq:<type>" entry'),
);

/** One record of the `/v2/events` stream (the JSON of one SSE `data:`). */
export const TigerConnectEventRecordSchema = v.looseObject({
  event_id: NonEmpty,
  event: EventBodySchema,
});
export type TigerConnectEventRecord = v.InferOutput<typeof TigerConnectEventRecordSchema>;

/** What a forwarder POSTs: one record, or a batch in `{events: [...]}`. */
export const TigerConnectBatchSchema = v.looseObject({
  events: v.pipe(v.array(TigerConnectEventRecordSchema), v.minLength(1, 'the batch is empty')),
});
