import * as v from 'valibot';

const NonEmpty = v.pipe(v.string(), v.minLength(1));

/**
 * What a customer's system posts to `POST /webhooks/webhook` ([G] README WH-9): a CloudEvents
 * JSON message event, the same shape the bridge delivers, reduced to what a post needs.
 * `data.channel.id` is the endpoint URL of a bridge channel (as in bridges.json).
 */
export const PostedEventSchema = v.object({
  specversion: v.optional(v.literal('1.0')),
  /** Unique per event; a retried post with the same id is stored once. */
  id: v.pipe(NonEmpty, v.maxLength(256)),
  type: v.literal('chat.message.created', 'only chat.message.created can be posted'),
  source: v.optional(v.string()),
  time: v.optional(v.pipe(v.string(), v.isoTimestamp())),
  data: v.object({
    channel: v.object({ id: NonEmpty, name: v.optional(v.string()) }),
    sender: v.object({ id: NonEmpty, displayName: v.optional(v.string()) }),
    message: v.object({
      id: v.optional(NonEmpty),
      text: v.pipe(NonEmpty, v.maxLength(100_000)),
      meta: v.optional(v.record(v.string(), v.unknown())),
    }),
  }),
});

export type PostedEvent = v.InferOutput<typeof PostedEventSchema>;
