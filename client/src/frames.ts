/**
 * The WebSocket API's frames as a client sees them (design.md, "WebSocket API"). Kept apart
 * from the server's own types so the library has no dependency on the bridge's source.
 */

/** The common event (CloudEvents 1.0) as pushed to clients; `data` is the bridge vocabulary. */
export interface BridgeEvent {
  specversion: string;
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  data: {
    provider: string;
    channel: { id: string; name?: string };
    sender?: { id: string; displayName?: string; avatarUrl?: string };
    message?: {
      id: string;
      text?: string;
      attachments?: { url?: string; name?: string; contentType?: string; size?: number }[];
      replyTo?: string;
      meta?: Record<string, unknown>;
    };
    member?: Record<string, unknown>;
    relayOf?: { provider: string; eventId: string };
    [key: string]: unknown;
  };
}

export type DeliveryStatus = 'delivered' | 'retrying' | 'failed' | 'skipped';

export interface DeliveryFrame {
  type: 'delivery';
  eventId: string;
  target: string;
  channel?: string;
  status: DeliveryStatus;
  detail?: string;
  /**
   * Sent again after a send whose outcome was unknown (the relay stopped during it), without a
   * way to look for the first copy at the target: it may show there twice.
   */
  mayDuplicate?: true;
}

export interface AckFrame {
  type: 'ack';
  clientMessageId: string;
  eventId: string;
  duplicate?: boolean;
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  action?: string;
  clientMessageId?: string;
}

export type ServerFrame =
  /** `cursor`: where the subscription starts; resumed from until an event brings a newer one. */
  | { type: 'subscribed'; bridge: string; cursor?: string }
  | { type: 'unsubscribed'; bridge: string }
  | { type: 'caught-up'; bridge: string }
  | { type: 'catch-up-truncated'; bridge: string; next: string }
  /** `catchUp` marks history replayed after a subscribe's `after`, as opposed to a live push. */
  | { type: 'event'; event: BridgeEvent; cursor?: string; catchUp?: boolean }
  | { type: 'pong' }
  | AckFrame
  | DeliveryFrame
  | ErrorFrame;

export type ClientFrame =
  | { action: 'subscribe'; bridge: string; after?: string; deliveries?: boolean }
  | { action: 'unsubscribe'; bridge: string }
  | {
      action: 'send';
      bridge: string;
      text: string;
      clientMessageId: string;
      replyTo?: string;
      /** 1, 2, 3... per connection: the bridge stores sends in this order. */
      seq?: number;
    }
  | { action: 'ping' };

/** Parse one frame; anything that is not a JSON object with a `type` is ignored by the caller. */
export function parseServerFrame(data: unknown): ServerFrame | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const frame = JSON.parse(data) as unknown;
    if (typeof frame === 'object' && frame !== null && 'type' in frame) return frame as ServerFrame;
  } catch {
    // A frame that is not JSON is not ours to interpret.
  }
  return undefined;
}
