import type { ClientEvents } from './client.js';
import type { BridgeEvent, ClientFrame, ServerFrame } from './frames.js';
import { SeenEvents } from './seen-events.js';

interface Subscription {
  bridge: string;
  cursor: string | undefined;
  deliveries: boolean;
  /** Between a subscribe with `after` and `caught-up`: live events wait behind the history. */
  catchingUp: boolean;
  held: { event: BridgeEvent; cursor?: string }[];
}

/**
 * The client's subscriptions: resent from their last cursor after every reconnect, live events
 * held back behind a catch-up until `caught-up`, and each event handed to the app once.
 */
export class Subscriptions {
  private readonly byBridge = new Map<string, Subscription>();
  private readonly seen: SeenEvents;

  constructor(
    private readonly write: (frame: ClientFrame) => void,
    private readonly emitEvent: (event: ClientEvents['event']) => void,
    rememberEvents: number,
  ) {
    this.seen = new SeenEvents(rememberEvents);
  }

  cursor(bridge: string): string | undefined {
    return this.byBridge.get(bridge)?.cursor;
  }

  /** Subscribe (now when `open`), resuming after `after` or the last event handed out. */
  add(bridge: string, options: { after?: string; deliveries?: boolean }, open: boolean): void {
    const subscription: Subscription = {
      bridge,
      cursor: options.after ?? this.byBridge.get(bridge)?.cursor,
      deliveries: options.deliveries ?? false,
      catchingUp: false,
      held: [],
    };
    this.byBridge.set(bridge, subscription);
    if (open) this.sendSubscribe(subscription);
  }

  remove(bridge: string): void {
    this.byBridge.delete(bridge);
  }

  /** After a (re)connect: every subscription again, from its cursor. */
  resubscribeAll(): void {
    for (const subscription of this.byBridge.values()) this.sendSubscribe(subscription);
  }

  /** The catch-up stopped short: subscribe again from where it stopped. */
  truncated(bridge: string, next: string): void {
    const subscription = this.byBridge.get(bridge);
    if (!subscription) return;
    subscription.cursor = next;
    this.sendSubscribe(subscription);
  }

  /**
   * The bridge confirmed a subscribe, saying where it starts: with no event seen yet, that is
   * the point to resume from, so a connection lost before the first event loses none.
   */
  started(bridge: string, cursor: string | undefined): void {
    const subscription = this.byBridge.get(bridge);
    if (subscription && subscription.cursor === undefined && cursor !== undefined)
      subscription.cursor = cursor;
  }

  /** A refused subscribe sends no history: stop holding live events back. */
  releaseAll(): void {
    for (const subscription of this.byBridge.values()) this.release(subscription.bridge);
  }

  private sendSubscribe(subscription: Subscription): void {
    subscription.catchingUp = subscription.cursor !== undefined;
    this.write({
      action: 'subscribe',
      bridge: subscription.bridge,
      ...(subscription.cursor !== undefined && { after: subscription.cursor }),
      ...(subscription.deliveries && { deliveries: true }),
    });
  }

  onEvent(frame: Extract<ServerFrame, { type: 'event' }>): void {
    const bridge = frame.event.subject;
    const subscription = this.byBridge.get(bridge);
    if (!subscription) return;
    const item = {
      event: frame.event,
      ...(frame.cursor !== undefined && { cursor: frame.cursor }),
    };
    // History comes in store order; a live push during catch-up is newer or a repeat of it.
    if (subscription.catchingUp && !frame.catchUp) {
      subscription.held.push(item);
      return;
    }
    this.deliver(subscription, item);
  }

  release(bridge: string): void {
    const subscription = this.byBridge.get(bridge);
    if (!subscription) return;
    subscription.catchingUp = false;
    for (const item of subscription.held.splice(0)) this.deliver(subscription, item);
  }

  private deliver(subscription: Subscription, item: { event: BridgeEvent; cursor?: string }) {
    if (!this.seen.admit(item.event.id)) return;
    if (item.cursor !== undefined) subscription.cursor = item.cursor;
    this.emitEvent({ bridge: subscription.bridge, ...item });
  }
}
