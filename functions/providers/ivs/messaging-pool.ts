import { ProviderError } from '../../core/errors';
import { isConnectionExpired, type IvsMessagingConnection } from './messaging-socket';

/**
 * One connection per room, kept while the container is warm. A closed, failed, timed-out or
 * nearly expired connection is replaced on the next send with a freshly minted token (each IVS
 * token opens one connection only). Sends that race to an unconnected room share one connect.
 */
export class IvsMessagingPool {
  private readonly connections = new Map<string, Promise<IvsMessagingConnection>>();

  constructor(
    private readonly options: {
      connect: (roomArn: string) => Promise<IvsMessagingConnection>;
      now: () => number;
      /** Renew this long before the session ends, so a send never races the server's cut-off. */
      renewBeforeExpiryMs: number;
    },
  ) {}

  async sendMessage(
    roomArn: string,
    content: string,
    attributes: Record<string, string>,
    timeoutMs: number,
  ): Promise<string> {
    const connection = await this.connectionFor(roomArn);
    try {
      return await connection.sendMessage(content, attributes, timeoutMs);
    } catch (error) {
      // An ERROR answer (429, 406, ...) comes over a healthy connection: keep it. No answer at
      // all means the connection may be dead without the socket knowing (a frozen Lambda
      // container, a silent network): it is not trusted again.
      const answered = error instanceof ProviderError && error.providerStatus !== undefined;
      if (!answered) connection.close();
      if (!isConnectionExpired(error)) throw error;
      // 401: the session ended and the message was refused unsent, so one more try is safe.
      const fresh = await this.connectionFor(roomArn);
      return fresh.sendMessage(content, attributes, timeoutMs);
    }
  }

  close(): void {
    const all = [...this.connections.values()];
    this.connections.clear();
    for (const connection of all) {
      connection.then((c) => c.close()).catch(() => undefined);
    }
  }

  private async connectionFor(roomArn: string): Promise<IvsMessagingConnection> {
    const existing = this.connections.get(roomArn);
    if (existing) {
      const connection = await existing.catch(() => undefined);
      if (connection && this.isUsable(connection)) return connection;
      if (this.connections.get(roomArn) === existing) {
        this.connections.delete(roomArn);
        connection?.close();
      } else {
        return this.connectionFor(roomArn); // another send already replaced it
      }
    }
    const opening = this.options.connect(roomArn);
    this.connections.set(roomArn, opening);
    try {
      const connection = await opening;
      connection.onClosed(() => {
        if (this.connections.get(roomArn) === opening) this.connections.delete(roomArn);
      });
      return connection;
    } catch (error) {
      if (this.connections.get(roomArn) === opening) this.connections.delete(roomArn);
      throw error;
    }
  }

  private isUsable(connection: IvsMessagingConnection): boolean {
    return (
      connection.isOpen &&
      this.options.now() < connection.sessionExpiresAt - this.options.renewBeforeExpiryMs
    );
  }
}
