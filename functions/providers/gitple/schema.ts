import * as v from 'valibot';

/**
 * Every realtime category the Gitple Live SDK dispatches ([V] README GIT-11). The webhook is
 * assumed to use the same envelope and names ([I] README GIT-22: no public webhook spec exists), so a category outside this list is refused rather than guessed.
 */
export const GITPLE_CATEGORIES = [
  'group:message_send',
  'group:message_update',
  'group:message_delete',
  'open:message_send',
  'open:message_update',
  'open:message_delete',
  'group:channel_update',
  'group:channel_delete',
  'group:channel_freeze',
  'group:channel_unfreeze',
  'open:channel_update',
  'open:channel_delete',
  'open:channel_freeze',
  'open:channel_unfreeze',
  'group:channel_join',
  'group:channel_leave',
  'group:channel_ban',
  'group:channel_unban',
  'open:channel_ban',
  'open:channel_unban',
  'group:channel_message_read_event',
  'group:channel_message_delivered_event',
  'group:channel_manager_create',
  'group:channel_manager_delete',
  'open:channel_manager_create',
  'open:channel_manager_delete',
  'group:report_create',
  'user_update',
  'user_delete',
  'user_joined_channel',
  'user_become_manager',
] as const;
export type GitpleCategory = (typeof GITPLE_CATEGORIES)[number];

const NonEmpty = v.pipe(v.string(), v.minLength(1));
/** Gitple times are epoch milliseconds ([V] README GIT-12). */
const EpochMs = v.pipe(v.number(), v.integer(), v.minValue(0));
/** The SDK types meta as string -> string; values are kept as they come. */
const Meta = v.record(v.string(), v.unknown());
/** Per-user epoch-ms map of a channel (`read_receipt`, `delivery_receipt`). */
const UserTimes = v.record(v.string(), EpochMs);

export const GitpleUserSchema = v.looseObject({
  user_id: NonEmpty,
  name: v.nullish(v.string()),
  profile_url: v.nullish(v.string()),
  meta: v.nullish(Meta),
  created_at: v.nullish(EpochMs),
  updated_at: v.nullish(EpochMs),
  joined_at: v.nullish(EpochMs),
});

export const GitpleChannelSchema = v.looseObject({
  channel_id: NonEmpty,
  type: v.nullish(v.string()),
  name: v.nullish(v.string()),
  freeze: v.nullish(v.boolean()),
  profile_url: v.nullish(v.string()),
  meta: v.nullish(Meta),
  created_at: v.nullish(EpochMs),
  updated_at: v.nullish(EpochMs),
  read_receipt: v.nullish(UserTimes),
  delivery_receipt: v.nullish(UserTimes),
});

export const GitpleFileSchema = v.looseObject({
  type: v.nullish(v.string()),
  name: v.nullish(v.string()),
  url: v.nullish(v.string()),
  size: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

export const GitpleMessageSchema = v.looseObject({
  /** A number in the SDK; a string is accepted too since the webhook body is unverified. */
  message_id: v.union([v.pipe(v.number(), v.integer(), v.minValue(0)), NonEmpty]),
  channel_id: v.nullish(NonEmpty),
  type: v.nullish(v.string()),
  user: v.nullish(GitpleUserSchema),
  content: v.nullish(v.string()),
  file: v.nullish(GitpleFileSchema),
  meta: v.nullish(Meta),
  /** Set when Gitple filtered the content (e.g. profanity); the original is kept here. */
  filter: v.nullish(
    v.looseObject({
      origin_content: v.nullish(v.string()),
      type: v.nullish(v.array(v.string())),
    }),
  ),
  created_at: v.nullish(EpochMs),
  updated_at: v.nullish(EpochMs),
});

/** `*:channel_ban` details ([V] README GIT-13), as the envelope's `data` ([I] README GIT-14). */
export const GitpleBanDataSchema = v.looseObject({
  start_at: v.nullish(EpochMs),
  end_at: v.nullish(v.number()),
  reason: v.nullish(v.string()),
});

/** The realtime envelope `{category, channel?, user?, message?, data?}` plus `app_id`
 * ([I] README GIT-22). */
export const GitpleWebhookSchema = v.looseObject({
  category: v.picklist(GITPLE_CATEGORIES, 'unknown Gitple event category'),
  app_id: v.nullish(v.string()),
  channel: v.nullish(GitpleChannelSchema),
  user: v.nullish(GitpleUserSchema),
  message: v.nullish(GitpleMessageSchema),
  data: v.nullish(GitpleBanDataSchema),
});

export type GitpleWebhook = v.InferOutput<typeof GitpleWebhookSchema>;
export type GitpleUser = v.InferOutput<typeof GitpleUserSchema>;
export type GitpleChannel = v.InferOutput<typeof GitpleChannelSchema>;
export type GitpleMessage = v.InferOutput<typeof GitpleMessageSchema>;
