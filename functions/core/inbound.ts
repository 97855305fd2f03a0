import type { EventType, MemberData, MessageData, Person } from './event';
import type { ProviderName } from './providers';

/** One provider delivery as the bridge received it (headers lower-cased). */
export interface WebhookRequest {
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  rawBody: string;
  body: unknown;
}

/** The bridge's echo marker (`bridge_origin` and friends) as found on an inbound payload. */
export interface EchoMarker {
  provider?: ProviderName;
  eventId?: string;
  originMessageId?: string;
}

/**
 * What an adapter makes of one provider occurrence. The core turns it into a CommonEvent:
 * it derives the id from `identity`, resolves the bridge and decides whether it is an echo.
 */
export interface EventDraft {
  type: EventType;
  channel: { id: string; name?: string };
  /** When it happened at the provider (ISO string, epoch ms or Date). */
  occurredAt: string | number | Date;
  /** The provider's own identity of the occurrence, e.g. [messageId]; hashed into the event id. */
  identity: string[];
  sender?: Person;
  message?: MessageData;
  member?: MemberData;
  echoMarker?: EchoMarker;
}

/** A known provider event kind the bridge acknowledges but does not turn into an event. */
export interface IgnoredKind {
  kind: string;
  reason: string;
}

export interface Normalized {
  events: EventDraft[];
  ignored: IgnoredKind[];
}

/** One adapter per provider that pushes to `POST /webhooks/{provider}`. */
export interface WebhookAdapter<Payload = unknown> {
  readonly provider: ProviderName;
  /** Throws UnauthorizedError when the delivery is not provably from the provider. */
  verify(request: WebhookRequest): void;
  /** Throws ValidationError naming the first bad field. */
  parse(body: unknown): Payload;
  normalize(payload: Payload): Normalized;
}
