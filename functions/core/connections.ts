/** A WebSocket client of the bridge, as `$connect` authenticated it. */
export interface ConnectionInfo {
  connectionId: string;
  sub: string;
  name?: string;
  /** Bridges the app JWT allows; undefined means any bridge. */
  bridges?: string[];
  connectedAt: string;
}

/**
 * A connection's subscription to a bridge. The subscriber's `sub` and its `deliveries` wish
 * live with the subscription, so the one Query that lists a bridge's subscribers also says
 * who gets `delivery` frames: no lookup per connection.
 */
export interface Subscription {
  connectionId: string;
  bridgeId: string;
  /** The app JWT `sub` of the connection's user. */
  sub: string;
  /** Asked for every event's delivery frames (consoles, moderators). */
  deliveries: boolean;
}

/** A bridge's subscriber as the relay's fan-out reads it. */
export type Subscriber = Omit<Subscription, 'bridgeId'>;

/**
 * Who of a bridge's subscribers a frame goes to: `everyone` (events), or `watchers` (delivery
 * frames): subscribers that asked for deliveries, plus the connections of the user who sent
 * the event when a bridge user sent it.
 */
export type Audience = { to: 'everyone' } | { to: 'watchers'; senderSub?: string };

export const EVERYONE: Audience = { to: 'everyone' };

export function inAudience(subscriber: Subscriber, audience: Audience): boolean {
  if (audience.to === 'everyone') return true;
  return (
    subscriber.deliveries ||
    (audience.senderSub !== undefined && subscriber.sub === audience.senderSub)
  );
}

/**
 * API Gateway closes a WebSocket after 2 hours at the most; connection items expire a little
 * after that even if `$disconnect` never arrived.
 */
export const CONNECTION_TTL_SECONDS = 2 * 3600 + 10 * 60;

export interface ConnectionStore {
  connect(info: ConnectionInfo): Promise<void>;
  get(connectionId: string): Promise<ConnectionInfo | undefined>;
  /** Subscribe, or update an existing subscription's `deliveries` wish. */
  subscribe(subscription: Subscription): Promise<void>;
  unsubscribe(connectionId: string, bridgeId: string): Promise<void>;
  /** A bridge's subscribers with their `sub` and wishes, in connection-id order (a Query). */
  subscriptions(bridgeId: string): Promise<Subscriber[]>;
  /** Connection ids subscribed to a bridge: `subscriptions` without the details. */
  subscribers(bridgeId: string): Promise<string[]>;
  /** Remove one connection and its subscriptions, and nothing else. */
  remove(connectionId: string): Promise<void>;
}
