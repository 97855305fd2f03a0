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
 * API Gateway closes a WebSocket after 2 hours at the most; connection items expire a little
 * after that even if `$disconnect` never arrived.
 */
export const CONNECTION_TTL_SECONDS = 2 * 3600 + 10 * 60;

export interface ConnectionStore {
  connect(info: ConnectionInfo): Promise<void>;
  get(connectionId: string): Promise<ConnectionInfo | undefined>;
  subscribe(connectionId: string, bridgeId: string): Promise<void>;
  unsubscribe(connectionId: string, bridgeId: string): Promise<void>;
  /** Connection ids subscribed to a bridge (a Query, never a Scan). */
  subscribers(bridgeId: string): Promise<string[]>;
  /** Remove one connection and its subscriptions, and nothing else. */
  remove(connectionId: string): Promise<void>;
}
