import type { Audience } from '../connections';
import type { Logger } from '../log';
import type { Broadcaster, ClientFrame } from './ports';

type DeliveryFrame = Extract<ClientFrame, { type: 'delivery' }>;

/**
 * A batch's `delivery` frames, posted after the `event` frame they report on has gone to the
 * bridge's clients, in the order they were recorded, and off the provider lanes.
 *
 * Why: a delivery frame goes to every connection of the user who sent the event. When one
 * user holds many of the subscriptions (a load test with one token, a user with many tabs),
 * the frames of an event with four targets are four more fan-outs; posted beside the event's
 * own push they shared its posts, and the event reached 1,000 such subscribers in 4.2 s
 * instead of 0.9 s. A lane waits only for the state write of an outcome, not for its frame,
 * so a slow push never holds up the next message to a provider; the batch waits for every
 * frame before it reports back.
 */
export class DeliveryFrames {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pushes = new Map<string, () => void>();

  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly log: Logger,
  ) {}

  /** These events' frames wait until `pushed` (or `allPushed`) says their push is over. */
  expect(eventIds: Iterable<string>): void {
    for (const eventId of eventIds) {
      if (this.chains.has(eventId)) continue;
      this.chains.set(eventId, new Promise((resolve) => this.pushes.set(eventId, resolve)));
    }
  }

  pushed(eventId: string): void {
    this.pushes.get(eventId)?.();
    this.pushes.delete(eventId);
  }

  /** Whatever was expected and not pushed (skipped, failed) no longer holds its frames. */
  allPushed(): void {
    for (const eventId of [...this.pushes.keys()]) this.pushed(eventId);
  }

  /** Queue a frame behind its event's push and the frames recorded before it. */
  post(bridgeId: string, frame: DeliveryFrame, audience: Audience): void {
    const before = this.chains.get(frame.eventId) ?? Promise.resolve();
    const posted = before.then(() =>
      this.broadcaster.broadcast(bridgeId, frame, audience).then(
        () => undefined,
        (error: unknown) =>
          this.log.warn('delivery frame not pushed', { eventId: frame.eventId, error }),
      ),
    );
    this.chains.set(frame.eventId, posted);
  }

  /** Every frame queued so far has been posted (or failed and was logged). */
  async drained(): Promise<void> {
    this.allPushed();
    await Promise.all(this.chains.values());
  }
}
