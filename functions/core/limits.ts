import { createHash } from 'node:crypto';
import { MalformedJsonError, PayloadTooLargeError, ValidationError } from './errors';
import type { EventDraft } from './inbound';

/**
 * The bridge's hard limits, stated once (and in the README). Each keeps an input that passes
 * its provider's schema from failing later in a way no retry fixes: a DynamoDB key or item
 * over its limit, a stack overflow re-serializing a deep payload. Past a limit the delivery is
 * refused at the edge with a 4xx naming the field, and nothing of it is stored.
 */
export const LIMITS = {
  /** Request bodies (webhooks and every JSON route); API Gateway's own cap is 10 MB. */
  bodyBytes: 256 * 1024,
  /** Nesting of arrays and objects in any JSON the bridge parses; real payloads nest < 10. */
  jsonDepth: 64,
  /** Channel ids: `provider#channel` is a partition key (2,048 bytes) and part of sort keys
   *  (`web#<subject>`, 1,024 bytes), so a channel id stays far below both. */
  channelIdBytes: 512,
  /** Message, sender and member ids (UTF-8 bytes). */
  idBytes: 256,
  /** Message text, in characters: generous for chat (IVS allows 500, Gitple ~10,000). */
  textChars: 32 * 1024,
  attachments: 32,
  /** One normalized event as JSON: well inside DynamoDB's 400 KB item, SQS's 256 KiB message. */
  eventBytes: 128 * 1024,
  /** An event item as a whole (event, raw payload, keys): DynamoDB refuses items over 400 KB. */
  itemBytes: 380_000,
} as const;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * The deepest nesting of arrays and objects in a JSON text, counted without parsing or
 * recursion (strings are skipped, so brackets inside them do not count). Stops counting at
 * `stopAt`, so a hostile body costs one linear scan at most.
 */
export function jsonDepth(text: string, stopAt = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAt) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return deepest;
}

/** Parse untrusted JSON text: over-deep or malformed is a 400, never a stack overflow later. */
export function parseBoundedJson(text: string, what = 'the body'): unknown {
  if (jsonDepth(text, LIMITS.jsonDepth) > LIMITS.jsonDepth) {
    throw new ValidationError(`${what} nests deeper than ${LIMITS.jsonDepth} levels`, undefined);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MalformedJsonError(`${what} is not valid JSON`, { cause: error });
  }
}

/** Refuse a normalized event past the id, text and attachment limits, naming the field. */
export function checkDraftLimits(draft: EventDraft): void {
  const ids: [string, string | undefined, number][] = [
    ['data.channel.id', draft.channel.id, LIMITS.channelIdBytes],
    ['data.message.id', draft.message?.id, LIMITS.idBytes],
    ['data.message.replyTo', draft.message?.replyTo, LIMITS.idBytes],
    ['data.sender.id', draft.sender?.id, LIMITS.idBytes],
    ['data.member.id', draft.member?.id, LIMITS.idBytes],
  ];
  for (const [field, value, max] of ids) {
    if (typeof value === 'string' && utf8Bytes(value) > max) {
      throw new ValidationError(`${field} is longer than ${max} bytes`, field);
    }
  }
  const text = draft.message?.text;
  if (typeof text === 'string' && text.length > LIMITS.textChars) {
    throw new ValidationError(
      `data.message.text is longer than ${LIMITS.textChars} characters`,
      'data.message.text',
    );
  }
  const attachments = draft.message?.attachments;
  if (Array.isArray(attachments) && attachments.length > LIMITS.attachments) {
    throw new ValidationError(
      `data.message.attachments holds more than ${LIMITS.attachments} attachments`,
      'data.message.attachments',
    );
  }
}

/** An event whose JSON is over its budget is refused whole (413): trimming it would lie. */
export function checkEventSize(eventJson: string): void {
  const bytes = utf8Bytes(eventJson);
  if (bytes > LIMITS.eventBytes) {
    throw new PayloadTooLargeError(
      `the normalized event is ${bytes} bytes; the limit is ${LIMITS.eventBytes}`,
    );
  }
}

/** What is stored instead of a raw payload that does not fit beside its event. */
export interface TrimmedRaw {
  truncated: true;
  bytes: number;
  sha256: string;
}

/**
 * The raw payload as stored: whole when it fits the item budget beside the event, else a
 * marker with its size and digest (enough to match it against the provider's own copy).
 * The raw is diagnostic only; nothing relays from it, so trimming never changes an event.
 */
export function boundedRawJson(rawJson: string, budgetBytes: number): string {
  const bytes = utf8Bytes(rawJson);
  if (bytes <= budgetBytes) return rawJson;
  const trimmed: TrimmedRaw = {
    truncated: true,
    bytes,
    sha256: createHash('sha256').update(rawJson).digest('hex'),
  };
  return JSON.stringify(trimmed);
}
