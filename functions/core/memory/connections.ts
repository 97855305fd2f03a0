import type { ConnectionInfo, ConnectionStore, Subscriber, Subscription } from '../connections';

/**
 * WebSocket connections in memory: the DynamoDB connection store's contract (subscribers of
 * a bridge in connection-id order; removing a connection removes its subscriptions only).
 */
export class MemoryConnectionStore implements ConnectionStore {
  private readonly connections = new Map<string, ConnectionInfo>();
  /** bridge id -> connection id -> subscriber */
  private readonly byBridge = new Map<string, Map<string, Subscriber>>();

  async connect(info: ConnectionInfo): Promise<void> {
    this.connections.set(info.connectionId, structuredClone(info));
  }

  async get(connectionId: string): Promise<ConnectionInfo | undefined> {
    const info = this.connections.get(connectionId);
    return info && structuredClone(info);
  }

  async subscribe({ bridgeId, ...subscriber }: Subscription): Promise<void> {
    const byId = this.byBridge.get(bridgeId) ?? new Map<string, Subscriber>();
    byId.set(subscriber.connectionId, subscriber);
    this.byBridge.set(bridgeId, byId);
  }

  async unsubscribe(connectionId: string, bridgeId: string): Promise<void> {
    this.byBridge.get(bridgeId)?.delete(connectionId);
  }

  async subscribers(bridgeId: string): Promise<string[]> {
    return (await this.subscriptions(bridgeId)).map((s) => s.connectionId);
  }

  async subscriptions(bridgeId: string): Promise<Subscriber[]> {
    return [...(this.byBridge.get(bridgeId)?.values() ?? [])]
      .map((subscriber) => ({ ...subscriber }))
      .sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1));
  }

  async remove(connectionId: string): Promise<void> {
    this.connections.delete(connectionId);
    for (const byId of this.byBridge.values()) byId.delete(connectionId);
  }
}
