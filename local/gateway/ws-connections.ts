import type { WebSocket } from 'ws';

/** One open WebSocket connection, as the `@connections` API sees it. */
export interface Connection {
  connectionId: string;
  socket: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  /** Original-case request headers, for the `$disconnect` event. */
  headers: Record<string, string>;
  domainName: string;
  /** The last frame's requestTimeEpoch: each next one is later, even within one millisecond. */
  lastRequestEpoch?: number;
  idleTimer?: NodeJS.Timeout;
  maxTimer?: NodeJS.Timeout;
  /** Set once the gateway decided to close it (DELETE, idle or maximum duration). */
  closing?: { code: number; reason: string };
}

/** Open connections by id. A closed or closing connection is gone, as API Gateway says (410). */
export class ConnectionRegistry {
  private readonly byId = new Map<string, Connection>();

  add(connection: Connection): void {
    this.byId.set(connection.connectionId, connection);
  }

  remove(connectionId: string): void {
    this.byId.delete(connectionId);
  }

  /** The connection if it can still take data. */
  open(connectionId: string): Connection | undefined {
    const connection = this.byId.get(connectionId);
    if (
      !connection ||
      connection.closing ||
      connection.socket.readyState !== connection.socket.OPEN
    ) {
      return undefined;
    }
    return connection;
  }

  all(): Connection[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}
