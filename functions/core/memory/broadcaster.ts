import type { ConnectionStore } from '../connections';
import type { BroadcastResult, Broadcaster, ClientFrame } from '../relay/ports';

/**
 * A broadcaster that keeps what it pushed: every frame in `frames`, and each subscriber's
 * frames in `inbox` when it is given the connection store to look subscribers up in.
 */
export class MemoryBroadcaster implements Broadcaster {
  readonly frames: ClientFrame[] = [];
  readonly inbox = new Map<string, ClientFrame[]>();

  constructor(private readonly connections?: ConnectionStore) {}

  async broadcast(bridgeId: string, frame: ClientFrame): Promise<BroadcastResult> {
    this.frames.push(structuredClone(frame));
    const subscribers = (await this.connections?.subscribers(bridgeId)) ?? [];
    for (const id of subscribers) {
      const frames = this.inbox.get(id) ?? [];
      frames.push(structuredClone(frame));
      this.inbox.set(id, frames);
    }
    return { sent: subscribers.length, gone: 0, failed: 0 };
  }
}
