import type { ConnectionInfo, ConnectionStore } from '../connections';

/**
 * WebSocket connections in memory: the DynamoDB connection store's contract (subscribers of
 * a bridge in connection-id order; removing a connection removes its subscriptions only).
 */
export class MemoryConnectionStore implements ConnectionStore {
  private readonly connections = new Map<string, ConnectionInfo>();
  /** bridge id -> connection ids */
  private readonly subscriptions = new Map<string, Set<string>>();

  async connect(info: ConnectionInfo): Promise<void> {
    this.connections.set(info.connectionId, structuredClone(info));
  }

  async get(connectionId: string): Promise<ConnectionInfo | undefined> {
    const info = this.connections.get(connectionId);
    return info && structuredClone(info);
  }

  async subscribe(connectionId: string, bridgeId: string): Promise<void> {
    const ids = this.subscriptions.get(bridgeId) ?? new Set<string>();
    ids.add(connectionId);
    this.subscriptions.set(bridgeId, ids);
  }

  async unsubscribe(connectionId: string, bridgeId: string): Promise<void> {
    this.subscriptions.get(bridgeId)?.delete(connectionId);
  }

  async subscribers(bridgeId: string): Promise<string[]> {
    return [...(this.subscriptions.get(bridgeId) ?? [])].sort();
  }

  async remove(connectionId: string): Promise<void> {
    this.connections.delete(connectionId);
    for (const ids of this.subscriptions.values()) ids.delete(connectionId);
  }
}
