import type { Audience } from '../connections';
import type { CommonEvent } from '../event';
import type { DeliveryTarget } from '../outbound';
import type { ProviderName } from '../providers';

export const DELIVERY_STATUSES = ['delivered', 'retrying', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
/**
 * Written just before a provider call and replaced by its outcome: found on its own later,
 * the call's outcome is unknown (the relay stopped, or could not record it). Never pushed.
 */
export const SENDING = 'sending';
export type StoredDeliveryStatus = DeliveryStatus | typeof SENDING;

/** A message as one provider channel knows it. */
export interface MessageRef {
  provider: ProviderName;
  channel: string;
  messageId: string;
}

export interface DeliveryRecord {
  eventId: string;
  /** `provider#channel` of the target. */
  target: string;
  status: StoredDeliveryStatus;
  /**
   * Tries made so far, across invocations, as the retry policy counts them: provider calls
   * that act (send, edit, delete), and looks for an earlier copy that failed (one that answers
   * counts none).
   */
  attempts: number;
  detail?: string;
  targetMessageId?: string;
  /** A `retrying` delivery is not attempted again before this time (the provider's wait). */
  notBefore?: string;
  /**
   * A `retrying` or `failed` delivery whose earlier send has an unknown outcome, from the time
   * of that send's intent: the copy is looked for at the target before anything is sent.
   */
  outcomeUnknownSince?: string;
  /**
   * Sent again after a send whose outcome was unknown, without being able to look for the
   * first copy: the target may show the message twice.
   */
  mayDuplicate?: boolean;
  updatedAt: string;
}

/**
 * Since when a delivery's last send has an unknown outcome: the intent of a send cut off
 * mid-call (`sending`), or what a later record kept of it; undefined when none is in doubt.
 */
export const outcomeUnknownSince = (record: DeliveryRecord | undefined): string | undefined =>
  record?.status === SENDING ? record.updatedAt : record?.outcomeUnknownSince;

/** Settled deliveries of a batch, keyed by `deliveryKey(eventId, target)`. */
export type KnownDeliveries = ReadonlyMap<string, DeliveryRecord>;

export const deliveryKey = (eventId: string, target: string) => `${eventId}|${target}`;

/** A relayed copy to remember with its delivery: `copy` is the copy of `origin`. */
export interface MessageCopy {
  origin: MessageRef;
  copy: MessageRef;
}

/** Durable relay state: delivery records and the origin <-> copy message-id map. */
export interface RelayState {
  getDelivery(eventId: string, target: string): Promise<DeliveryRecord | undefined>;
  /** Many delivery records in as few requests as the store allows (a batch's worth). */
  getDeliveries(
    keys: readonly { eventId: string; target: string }[],
  ): Promise<Map<string, DeliveryRecord>>;
  /** Record a delivery and, for a new copy, both directions of the id map, in one write. */
  putDelivery(record: DeliveryRecord, copy?: MessageCopy): Promise<void>;
  /**
   * Claim the deletion of a message (its origin) for one delete event: true for the first
   * event to claim it and again for that same event, false for any other.
   */
  claimDeletion(root: MessageRef, eventId: string): Promise<boolean>;
  /** The origin of a relayed copy, or undefined when `ref` is not a copy. */
  findOrigin(ref: MessageRef): Promise<MessageRef | undefined>;
  /** The copy of `origin` in one target channel, if it was relayed there. */
  findCopy(
    origin: MessageRef,
    target: { provider: ProviderName; channel: string },
  ): Promise<string | undefined>;
}

/** A server push to the bridge's WebSocket clients. */
export type ClientFrame =
  | { type: 'event'; event: CommonEvent; cursor?: string }
  | {
      type: 'delivery';
      eventId: string;
      target: string;
      channel: string;
      status: DeliveryStatus;
      detail?: string;
      /** The copy was sent again after an unknown outcome: the target may show it twice. */
      mayDuplicate?: true;
    };

export interface BroadcastResult {
  sent: number;
  gone: number;
  failed: number;
  /** Fan-out invocations the posts were split across, when the audience was that large. */
  pages?: number;
}

export interface Broadcaster {
  /**
   * Push a frame to the bridge's subscribers in `audience` (everyone when absent); gone
   * connections are removed.
   */
  broadcast(bridgeId: string, frame: ClientFrame, audience?: Audience): Promise<BroadcastResult>;
  /**
   * Start reading these bridges' subscribers now, for broadcasts that follow (a batch's
   * broadcaster reads them once); the relay calls it while it reads the batch's deliveries.
   */
  prefetch?(bridgeIds: readonly string[]): void;
}

/** A delivery that exhausted its retries, kept whole so it can be replayed. */
export interface DeadLetter {
  event: CommonEvent;
  target: DeliveryTarget;
  bridgeId: string;
  attempts: number;
  error: string;
  failedAt: string;
  /** The provider asked not to be called again before this time (Retry-After). */
  notBefore?: string;
}

export interface DeadLetterQueue {
  park(letter: DeadLetter): Promise<void>;
}
