import { fullJitterDelay, type BackoffOptions } from './backoff.js';
import { TypedEmitter } from './emitter.js';
import {
  parseServerFrame,
  type AckFrame,
  type BridgeEvent,
  type ClientFrame,
  type DeliveryFrame,
  type ErrorFrame,
  type ServerFrame,
} from './frames.js';
import { PendingSends } from './pending-sends.js';
import { Subscriptions } from './subscriptions.js';

/** What the client needs of a WebSocket: the browser's, Node 22's global, or the `ws` package. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ClientEvents {
  /** Each event once, in store order per bridge, with the cursor to resume after it. */
  event: { bridge: string; event: BridgeEvent; cursor?: string };
  delivery: DeliveryFrame;
  state: { state: ConnectionState; attempt: number; delayMs?: number; reason?: string };
  /** Error frames from the server, and failures of the client itself (`code: 'client'`). */
  error: ErrorFrame;
  /** The server stored a subscription: live events of that bridge flow from here on. */
  subscribed: { bridge: string };
}

export interface ChatBridgeClientOptions {
  /** The WebSocket API, e.g. `wss://<api>/<stage>` or locally `ws://127.0.0.1:3001`. */
  url: string;
  /** Returns a fresh app JWT; called before every connection attempt, reconnects included. */
  token: () => string | Promise<string>;
  /** Constructor to use where there is no global WebSocket (Node 20: pass `ws`). */
  WebSocket?: WebSocketConstructor;
  backoff?: BackoffOptions;
  /** How long `send` keeps retrying before rejecting. Default 30 s. */
  sendTimeoutMs?: number;
  /** Keep-alive ping; API Gateway drops connections idle for 10 minutes. Default 5 min. */
  pingIntervalMs?: number;
  /** How many event ids to remember for de-duplication. Default 10 000. */
  rememberEvents?: number;
}

const OPEN = 1;

/**
 * The bridge's WebSocket API done right for an app: reconnects with backoff and full jitter,
 * re-subscribes from the last cursor it handed out, and de-duplicates, so every event reaches
 * the app once and in order; `send` resolves with its ack however many reconnects it takes.
 */
export class ChatBridgeClient extends TypedEmitter<ClientEvents> {
  private socket: WebSocketLike | undefined;
  private state: ConnectionState = 'closed';
  private attempt = 0;
  /** Sends written on the current connection (their `seq`). */
  private sendSeq = 0;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private readonly subscriptions: Subscriptions;
  private readonly sends: PendingSends;
  private readonly WebSocketImpl: WebSocketConstructor;

  constructor(private readonly options: ChatBridgeClientOptions) {
    super();
    const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    const impl = options.WebSocket ?? global;
    if (!impl) throw new Error('no global WebSocket here: pass the `WebSocket` option (e.g. ws)');
    this.WebSocketImpl = impl;
    this.subscriptions = new Subscriptions(
      (frame) => this.write(frame),
      (event) => this.emit('event', event),
      options.rememberEvents ?? 10_000,
    );
    this.sends = new PendingSends(options.sendTimeoutMs ?? 30_000);
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** The cursor of the last event handed to the app for `bridge`: persist it to resume later. */
  cursor(bridge: string): string | undefined {
    return this.subscriptions.cursor(bridge);
  }

  connect(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.open();
  }

  /** Close for good: pending sends reject, no reconnect. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'client closed');
    this.sends.rejectAll(new Error('the client was closed'));
    this.setState('closed');
  }

  /** Subscribe now and after every reconnect, resuming after `after` (or the last event seen). */
  subscribe(bridge: string, options: { after?: string; deliveries?: boolean } = {}): void {
    this.subscriptions.add(bridge, options, this.state === 'open');
  }

  unsubscribe(bridge: string): void {
    this.subscriptions.remove(bridge);
    this.write({ action: 'unsubscribe', bridge });
  }

  /** Send a message; resolves with its ack, retrying with the same id across reconnects. */
  send(bridge: string, text: string, options: { replyTo?: string } = {}): Promise<AckFrame> {
    const frame = {
      action: 'send' as const,
      bridge,
      text,
      clientMessageId: globalThis.crypto.randomUUID(),
      ...(options.replyTo !== undefined && { replyTo: options.replyTo }),
    };
    const acked = this.sends.add(frame);
    this.write(frame);
    return acked;
  }

  private async open(): Promise<void> {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let token: string;
    try {
      token = await this.options.token();
    } catch (error) {
      this.clientError(`the token provider failed: ${(error as Error).message ?? error}`);
      this.scheduleReconnect('token provider failed');
      return;
    }
    if (this.stopped) return;
    const separator = this.options.url.includes('?') ? '&' : '?';
    const socket = new this.WebSocketImpl(
      `${this.options.url}${separator}token=${encodeURIComponent(token)}`,
    );
    this.socket = socket;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.attempt = 0;
      this.sendSeq = 0;
      this.setState('open');
      this.subscriptions.resubscribeAll();
      for (const frame of this.sends.frames()) this.write(frame);
      this.startPing(socket);
    };
    socket.onmessage = (message) => {
      if (socket !== this.socket) return;
      const frame = parseServerFrame(
        typeof message.data === 'string' ? message.data : String(message.data),
      );
      if (frame) this.handle(frame);
    };
    // A refused upgrade or a dropped network both end in close: that is where we retry.
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = undefined;
      clearInterval(this.pingTimer);
      this.scheduleReconnect(`closed${event.code ? ` (${event.code})` : ''}`);
    };
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped) return;
    const delayMs = fullJitterDelay(this.attempt, this.options.backoff);
    this.attempt += 1;
    this.setState('reconnecting', { delayMs, reason });
    this.retryTimer = setTimeout(() => void this.open(), delayMs);
  }

  private startPing(socket: WebSocketLike): void {
    let answered = true;
    this.pingTimer = setInterval(() => {
      // No pong since the last ping: the connection is dead without having said so.
      if (!answered) return socket.close(4000, 'no pong');
      answered = false;
      this.write({ action: 'ping' });
    }, this.options.pingIntervalMs ?? 300_000);
    this.onPong = () => (answered = true);
  }

  private onPong: () => void = () => undefined;

  private handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'event':
        return this.subscriptions.onEvent(frame);
      case 'subscribed':
        this.subscriptions.started(frame.bridge, frame.cursor);
        return this.emit('subscribed', { bridge: frame.bridge });
      case 'caught-up':
        return this.subscriptions.release(frame.bridge);
      case 'catch-up-truncated':
        return this.subscriptions.truncated(frame.bridge, frame.next);
      case 'ack':
        return this.sends.acknowledge(frame);
      case 'delivery':
        return this.emit('delivery', frame);
      case 'pong':
        return this.onPong();
      case 'error':
        if (this.sends.refuse(frame)) return this.emit('error', frame);
        if (frame.action === 'subscribe') this.subscriptions.releaseAll();
        return this.emit('error', frame);
      default:
        return undefined;
    }
  }

  private write(frame: ClientFrame): void {
    if (this.socket?.readyState !== OPEN) return;
    // Each send carries its number on this connection, so the bridge stores the sends in the
    // order they were written without waiting to find out whether an earlier one is late.
    const numbered = frame.action === 'send' ? { ...frame, seq: (this.sendSeq += 1) } : frame;
    this.socket.send(JSON.stringify(numbered));
  }

  private setState(state: ConnectionState, extra: { delayMs?: number; reason?: string } = {}) {
    this.state = state;
    this.emit('state', { state, attempt: this.attempt, ...extra });
  }

  private clientError(message: string): void {
    this.emit('error', { type: 'error', code: 'client', message });
  }
}
