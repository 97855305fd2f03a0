import { randomUUID } from 'node:crypto';
import { ProviderError } from '../../core/errors';

/**
 * The part of a WebSocket this module uses: the standard event interface, which `ws`, Node's
 * global WebSocket and browsers all share. Methods (not function-typed properties) so each
 * implementation's richer event types fit.
 */
export interface MessagingWebSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { code: number; reason: string }) => void,
  ): void;
}

/** `new WebSocket(url, token)`: the IVS chat token travels as the WebSocket subprotocol. */
export type MessagingWebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
) => MessagingWebSocket;

export interface IvsChatSession {
  token: string;
  /** When IVS ends the session; the connection is renewed before then. */
  sessionExpirationTime: Date;
}

/** The ERROR codes of the messaging API ([V] README IVS-14). */
export const IVS_SOCKET_CONNECTION_EXPIRED = 401;
export const IVS_SOCKET_RATE_LIMITED = 429;
/** Rate limits are per room per second, so a second is the earliest retry ([I] README IVS-15). */
const RATE_LIMIT_RETRY_AFTER_MS = 1000;

interface Pending {
  resolve(id: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** A frame the server sends; only the fields this module reads. */
interface ServerFrame {
  Type?: unknown;
  Id?: unknown;
  RequestId?: unknown;
  ErrorCode?: unknown;
  ErrorMessage?: unknown;
}

const OPEN = 1;

/**
 * One open IVS messaging connection of the bridge bot in one room. Requests are matched to
 * answers by RequestId, so any number of sends may be in flight on it at once.
 */
export class IvsMessagingConnection {
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  private readonly closedListeners: Array<() => void> = [];

  private constructor(
    private readonly socket: MessagingWebSocket,
    readonly sessionExpiresAt: number,
  ) {
    socket.addEventListener('message', (event) => this.onFrame(event.data));
    socket.addEventListener('close', (event) =>
      this.shutDown(`ivs messaging socket closed before answering (code ${event.code})`),
    );
    socket.addEventListener('error', (event) =>
      this.shutDown(`ivs messaging socket failed: ${event.message ?? 'error'}`),
    );
  }

  /** Open a socket with a fresh chat token; fails (retryably) when it is not open in time. */
  static open(options: {
    url: string;
    session: IvsChatSession;
    webSocket: MessagingWebSocketConstructor;
    timeoutMs: number;
  }): Promise<IvsMessagingConnection> {
    return new Promise((resolve, reject) => {
      let socket: MessagingWebSocket;
      try {
        socket = new options.webSocket(options.url, options.session.token);
      } catch (error) {
        reject(
          new ProviderError('ivs messaging socket could not be created', undefined, {
            cause: error,
          }),
        );
        return;
      }
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new ProviderError(message));
        socket.close();
      };
      const timer = setTimeout(
        () => fail(`ivs messaging socket did not open within ${options.timeoutMs} ms`),
        options.timeoutMs,
      );
      socket.addEventListener('error', (event) =>
        fail(`ivs messaging socket could not connect: ${event.message ?? 'error'}`),
      );
      socket.addEventListener('close', (event) =>
        fail(`ivs messaging socket refused the connection (code ${event.code})`),
      );
      socket.addEventListener('open', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(
          new IvsMessagingConnection(socket, options.session.sessionExpirationTime.getTime()),
        );
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === OPEN;
  }

  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closedListeners.push(listener);
  }

  /**
   * SEND_MESSAGE and wait for its own MESSAGE echo (its `Id` is the message id) or ERROR.
   * No answer in time is a retryable failure: the message may or may not have gone out.
   */
  sendMessage(
    content: string,
    attributes: Record<string, string>,
    timeoutMs: number,
  ): Promise<string> {
    if (!this.isOpen) {
      return Promise.reject(new ProviderError('ivs messaging socket is not open'));
    }
    const requestId = randomUUID();
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new ProviderError(`ivs did not answer SEND_MESSAGE within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      try {
        this.socket.send(
          JSON.stringify({
            Action: 'SEND_MESSAGE',
            RequestId: requestId,
            Content: content,
            Attributes: attributes,
          }),
        );
      } catch (error) {
        this.settle(requestId)?.reject(
          new ProviderError('ivs messaging socket could not send', undefined, { cause: error }),
        );
      }
    });
  }

  close(): void {
    this.shutDown('ivs messaging socket closed by the bridge');
    this.socket.close(1000);
  }

  private settle(requestId: string): Pending | undefined {
    const pending = this.pending.get(requestId);
    if (!pending) return undefined;
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    return pending;
  }

  private onFrame(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as ServerFrame;
    } catch {
      return; // not ours to interpret; the bot only waits for answers to its own requests
    }
    if (typeof frame !== 'object' || frame === null) return;
    const requestId = typeof frame.RequestId === 'string' ? frame.RequestId : undefined;
    if (frame.Type === 'MESSAGE' && requestId && typeof frame.Id === 'string') {
      this.settle(requestId)?.resolve(frame.Id);
      return;
    }
    if (frame.Type !== 'ERROR') return;
    const code = typeof frame.ErrorCode === 'number' ? frame.ErrorCode : undefined;
    const error = socketError(code, frame.ErrorMessage);
    const pending = requestId ? this.settle(requestId) : undefined;
    pending?.reject(error);
    // An expired connection answers nothing more: drop it so the next send reconnects.
    if (code === IVS_SOCKET_CONNECTION_EXPIRED) this.close();
  }

  private shutDown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const requestId of [...this.pending.keys()]) {
      this.settle(requestId)?.reject(new ProviderError(reason));
    }
    for (const listener of this.closedListeners.splice(0)) listener();
  }
}

function socketError(code: number | undefined, message: unknown): ProviderError {
  const text = typeof message === 'string' && message !== '' ? message : 'no message';
  return new ProviderError(`ivs refused SEND_MESSAGE: ${text}`, code, {
    ...(code === IVS_SOCKET_RATE_LIMITED && { retryAfterMs: RATE_LIMIT_RETRY_AFTER_MS }),
  });
}

export function isConnectionExpired(error: unknown): boolean {
  return error instanceof ProviderError && error.providerStatus === IVS_SOCKET_CONNECTION_EXPIRED;
}
