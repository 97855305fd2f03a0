import type { Attachment, CommonEvent } from './event';
import type { ChannelCreateSpec } from './portals';
import type { ProviderName } from './providers';

/** What a provider can do with relayed messages; the relay asks, it never checks names. */
export interface OutboundCapabilities {
  send: boolean;
  edit: boolean;
  delete: boolean;
  attachments: boolean;
  replies: boolean;
  /** Longest text the provider accepts, in Unicode code points. */
  maxTextLength: number;
  /**
   * The adapter can look for a copy it sent among the target channel's messages
   * (`findSent`), so a send whose outcome is unknown is looked for before it is made again.
   */
  findSent: boolean;
}

/** One channel of a bridge as a delivery target. */
export interface DeliveryTarget {
  provider: ProviderName;
  channel: string;
  /** Provider-specific delivery mode from bridges.json (IVS: message or event). */
  mode: string;
  /** A channel a portal rule creates: made before the first message is delivered to it. */
  create?: ChannelCreateSpec;
}

/** A created channel as the provider is asked for it: the name filled in, the members. */
export interface ChannelCreationRequest {
  name: string;
  members: readonly string[];
}

/** The echo marker every relayed message carries, so its echo is recognized on the way back. */
export interface RelayMarker {
  origin: ProviderName;
  eventId: string;
  originMessageId: string;
}

export interface OutboundMessage {
  /** Formatted with the bridge's sender template and fitted to `maxTextLength`. */
  text: string;
  attachments: Attachment[];
  /** The target-side id of the message this one replies to, when the map knows it. */
  replyTo?: string;
  sender: { id: string; displayName?: string };
  marker: RelayMarker;
  /**
   * The stored event this message relays (the relay always sets it), for adapters that
   * deliver the common event itself rather than a chat message.
   */
  event?: CommonEvent;
}

export interface SendResult {
  /** The target-side id of the new message (the message-id map stores it). */
  messageId: string;
}

/**
 * What a look for an earlier copy found: the copy (its target-side id), a certain absence (the
 * channel was listed back past the time the copy could have been sent), or no answer because
 * the listing the provider allows ran out before that time.
 */
export type SentSearch =
  | { result: 'found'; messageId: string }
  | { result: 'absent' }
  | { result: 'out-of-reach'; reason: string };

export interface OutboundAdapter {
  readonly provider: ProviderName;
  capabilities(target: DeliveryTarget): OutboundCapabilities;
  /** Why this adapter cannot deliver at all (e.g. not configured); undefined when it can. */
  unavailableReason(): string | undefined;
  send(target: DeliveryTarget, message: OutboundMessage): Promise<SendResult>;
  edit?(target: DeliveryTarget, targetMessageId: string, message: OutboundMessage): Promise<void>;
  /** `event` is the stored delete event (the relay always passes it). */
  delete?(
    target: DeliveryTarget,
    targetMessageId: string,
    reason: string,
    event?: CommonEvent,
  ): Promise<void>;
  /**
   * Open `target.channel` (portal rules; the module's `channelCreation` part names it).
   * Idempotent: a channel that already exists under that id counts as created.
   */
  createChannel?(target: DeliveryTarget, request: ChannelCreationRequest): Promise<void>;
  /** Freeze, archive or close a created channel when its conversation ends; idempotent. */
  closeChannel?(target: DeliveryTarget): Promise<void>;
  /**
   * Look for the copy carrying `marker` (every marker field, sent by the bridge's bot) among
   * the target channel's messages, newest first, back to `sentAfter` (epoch ms): a copy made
   * before then cannot be this one. Bounded (a few pages); throws like `send` when the listing
   * fails, so the relay retries the look, never the send.
   */
  findSent?(target: DeliveryTarget, marker: RelayMarker, sentAfter: number): Promise<SentSearch>;
}
