import { EVERYONE, inAudience, type Audience, type ConnectionStore } from '../connections';
import type { BroadcastResult, Broadcaster, ClientFrame } from '../relay/ports';

/**
 * A broadcaster that keeps what it pushed: every frame in `frames`, and each subscriber's
 * frames in `inbox` when it is given the connection store to look subscribers up in (only
 * the subscribers in the frame's audience get it, as through API Gateway).
 */
export class MemoryBroadcaster implements Broadcaster {
  readonly frames: ClientFrame[] = [];
  readonly inbox = new Map<string, ClientFrame[]>();

  constructor(private readonly connections?: ConnectionStore) {}

  async broadcast(
    bridgeId: string,
    frame: ClientFrame,
    audience: Audience = EVERYONE,
  ): Promise<BroadcastResult> {
    this.frames.push(structuredClone(frame));
    const subscribers = ((await this.connections?.subscriptions(bridgeId)) ?? []).filter((s) =>
      inAudience(s, audience),
    );
    for (const { connectionId } of subscribers) {
      const frames = this.inbox.get(connectionId) ?? [];
      frames.push(structuredClone(frame));
      this.inbox.set(connectionId, frames);
    }
    return { sent: subscribers.length, gone: 0, failed: 0 };
  }
}
