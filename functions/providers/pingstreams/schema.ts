import * as v from 'valibot';
import { ValidationError } from '../../core/errors';
import { parseWith } from '../../core/validation';

/**
 * Pingstreams is Tiledesk rebranded ([V] README PS-1); every event name and shape here follows
 * tiledesk-server's subscriptionNotifier, messageEvent and requestEvent ([V] README PS-8).
 */
export type PingstreamsEventKind =
  | 'message.create'
  | 'request.create'
  | 'request.update'
  | 'request.close'
  | 'lead.create'
  | 'project_user'
  | 'user.signup'
  | 'faq'
  | 'department'
  | 'group'
  | 'project'
  | 'event.emit'
  | 'operator.select';

const EXACT_EVENTS: readonly PingstreamsEventKind[] = [
  'message.create',
  'request.create',
  'request.update',
  'request.close',
  'lead.create',
  'user.signup',
  'event.emit',
  'operator.select',
];

/** Families whose members are `<prefix>.<action>` (e.g. `faqbot.update`, `project.downgrade`). */
const EVENT_PREFIXES: readonly [string, PingstreamsEventKind][] = [
  // Per-channel variants: message.create.request.channel.<name>, ...channel.<name>, ...
  ['message.create.', 'message.create'],
  ['event.emit.', 'event.emit'],
  ['project_user.', 'project_user'],
  ['faqbot.', 'faq'],
  ['faq.', 'faq'],
  ['department.', 'department'],
  ['group.', 'group'],
  ['project.', 'project'],
];

/** What a subscription event name is; undefined for a name Tiledesk does not emit. */
export function pingstreamsEventKind(event: string): PingstreamsEventKind | undefined {
  const exact = EXACT_EVENTS.find((name) => name === event);
  if (exact) return exact;
  return EVENT_PREFIXES.find(([prefix]) => event.startsWith(prefix))?.[1];
}

const NonEmpty = v.pipe(v.string(), v.minLength(1));
const IsoTime = v.pipe(v.string(), v.isoTimestamp());

export const PingstreamsHookSchema = v.looseObject({
  _id: NonEmpty,
  event: NonEmpty,
  id_project: v.nullish(v.string()),
  target: v.nullish(v.string()),
});

/** `{timestamp (ms), payload, hook, token}` ([V] README PS-4). */
const envelopeEntries = {
  timestamp: v.pipe(v.number(), v.integer(), v.minValue(0)),
  hook: PingstreamsHookSchema,
  token: v.nullish(v.string()),
};

export const PingstreamsEnvelopeSchema = v.looseObject({
  ...envelopeEntries,
  payload: v.record(v.string(), v.unknown()),
});

export const PingstreamsRequestSchema = v.looseObject({
  _id: v.nullish(v.string()),
  request_id: NonEmpty,
  id_project: v.nullish(v.string()),
  subject: v.nullish(v.string()),
  first_text: v.nullish(v.string()),
  status: v.nullish(v.number()),
  createdAt: v.nullish(IsoTime),
  updatedAt: v.nullish(IsoTime),
  closed_at: v.nullish(IsoTime),
  closed_by: v.nullish(v.string()),
  attributes: v.nullish(v.record(v.string(), v.unknown())),
});

/** Message attributes: free-form, with the keys Tiledesk's info messages use typed. */
export const PingstreamsAttributesSchema = v.looseObject({
  subtype: v.nullish(v.string()),
  messagelabel: v.nullish(v.looseObject({ key: v.nullish(v.string()) })),
});

/** Media details of `image`/`file` messages ([V] README PS-10: `{src, type, name, ...}`). */
export const PingstreamsMetadataSchema = v.looseObject({
  src: v.nullish(v.string()),
  type: v.nullish(v.string()),
  name: v.nullish(v.string()),
  size: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

/** The message JSON plus its populated `request` ([V] README PS-9). */
export const PingstreamsMessageSchema = v.looseObject({
  _id: NonEmpty,
  sender: NonEmpty,
  senderFullname: v.nullish(v.string()),
  recipient: NonEmpty,
  type: v.nullish(v.string()),
  channel_type: v.nullish(v.string()),
  text: v.nullish(v.string()),
  id_project: v.nullish(v.string()),
  status: v.nullish(v.number()),
  attributes: v.nullish(PingstreamsAttributesSchema),
  metadata: v.nullish(PingstreamsMetadataSchema),
  createdAt: v.nullish(IsoTime),
  request: v.nullish(PingstreamsRequestSchema),
});

export const PingstreamsMessageWebhookSchema = v.looseObject({
  ...envelopeEntries,
  payload: PingstreamsMessageSchema,
});
export const PingstreamsRequestWebhookSchema = v.looseObject({
  ...envelopeEntries,
  payload: PingstreamsRequestSchema,
});

export type PingstreamsEnvelope = v.InferOutput<typeof PingstreamsEnvelopeSchema>;
export type PingstreamsMessage = v.InferOutput<typeof PingstreamsMessageSchema>;
export type PingstreamsRequest = v.InferOutput<typeof PingstreamsRequestSchema>;
export type PingstreamsMessageWebhook = v.InferOutput<typeof PingstreamsMessageWebhookSchema>;
export type PingstreamsRequestWebhook = v.InferOutput<typeof PingstreamsRequestWebhookSchema>;

/** A parsed delivery: the event kind decides which payload shape was checked. */
export type PingstreamsWebhook =
  | { kind: 'message.create'; webhook: PingstreamsMessageWebhook }
  | {
      kind: 'request.create' | 'request.update' | 'request.close';
      webhook: PingstreamsRequestWebhook;
    }
  | {
      kind: Exclude<PingstreamsEventKind, 'message.create' | `request.${string}`>;
      webhook: PingstreamsEnvelope;
    };

const WHAT = 'Pingstreams webhook';

/**
 * Check the envelope, then the payload against the shape its `hook.event` promises. An event
 * name Tiledesk does not emit is refused naming `hook.event`.
 */
export function parsePingstreamsWebhook(body: unknown): PingstreamsWebhook {
  const envelope = parseWith(PingstreamsEnvelopeSchema, body, WHAT);
  const kind = pingstreamsEventKind(envelope.hook.event);
  switch (kind) {
    case undefined:
      throw new ValidationError(
        `${WHAT}: hook.event: unknown event "${envelope.hook.event.slice(0, 100)}"`,
        'hook.event',
      );
    case 'message.create':
      return { kind, webhook: parseWith(PingstreamsMessageWebhookSchema, body, WHAT) };
    case 'request.create':
    case 'request.update':
    case 'request.close':
      return { kind, webhook: parseWith(PingstreamsRequestWebhookSchema, body, WHAT) };
    default:
      return { kind, webhook: envelope };
  }
}
