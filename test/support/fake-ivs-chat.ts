import { randomBytes, randomInt } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { CreateChatTokenCommand, IvschatClient } from '@aws-sdk/client-ivschat';
import {
  ChatRoom,
  type ChatEvent,
  type ChatMessage,
  type DeleteMessageEvent,
} from 'amazon-ivs-chat-messaging';
import { WebSocket as WsWebSocket, WebSocketServer, type WebSocket } from 'ws';
import type { RequestAuthorizer } from '../../local/lambda/function-host';
import { closeServer, listen, readBody, sourceIp } from '../../local/tooling/net';

/**
 * A local Amazon IVS Chat: the control plane as `@aws-sdk/client-ivschat` speaks it (rest-json,
 * SigV4-signed POSTs) and the messaging WebSocket as `amazon-ivs-chat-messaging` speaks it
 * (token as subprotocol, PascalCase frames). Tokens minted here are what the socket accepts, so
 * a test exercises the same token -> connect -> send path as production. Shapes and limits
 * follow the facts in functions/providers/ivs/README.md; behaviour no public source documents
 * cites its inferred fact id where it is made.
 */

const ROOM_ARN = /^arn:aws:ivschat:[a-z0-9-]+:[0-9]+:room\/[a-zA-Z0-9-]+$/;
const CAPABILITIES = ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'] as const;
export type Capability = (typeof CAPABILITIES)[number];
const ATTRIBUTES_MAX_BYTES = 1024;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The message review handler's Lambda input, exactly as IVS sends it. */
export interface IvsReviewHandlerInput {
  Content: string;
  MessageId: string;
  RoomArn: string;
  Attributes: Record<string, string>;
  Sender: { Attributes: Record<string, string>; UserId: string; Ip: string };
}

/** What a review handler answers: a bare verdict, or the handler's full output (may rewrite). */
export type ReviewDecision =
  | 'ALLOW'
  | 'DENY'
  | { ReviewResult: 'ALLOW' | 'DENY'; Content?: string; Attributes?: Record<string, string> };

export type ReviewHook = (input: IvsReviewHandlerInput) => ReviewDecision | Promise<ReviewDecision>;

export interface AwsErrorReply {
  status: number;
  type: string;
  message: string;
}

export interface ControlCall {
  operation: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface FakeChatConnection {
  id: number;
  roomArn: string;
  userId: string;
  capabilities: Capability[];
  attributes: Record<string, string>;
  sessionExpiresAt: number;
  closed: boolean;
  socket: WebSocket;
}

export interface RecordedFrame {
  connectionId: number;
  roomArn: string;
  userId: string;
  frame: Record<string, unknown>;
}

export interface FakeIvsChatOptions {
  region?: string;
  /** How long a minted token may open a connection (IVS: about a minute, [I] README IVS-7). */
  tokenTtlMs?: number;
  /** The room's maximumMessageLength (default and maximum 500 code points). */
  maximumMessageLength?: number;
  /** IVS gives the review handler 200 ms; past it the fallback result (ALLOW) applies. */
  reviewDeadlineMs?: number;
  onMessage?: ReviewHook;
  /** Ports to listen on (default: free ones); a deployment's settings may need them fixed. */
  controlPort?: number;
  messagingPort?: number;
  /**
   * Checks each control-plane call for `ivschat:<operation>` on the rooms (and logging
   * configurations) it names, as IAM does; unset: any SigV4-signed call is served.
   */
  authorize?: RequestAuthorizer;
}

export interface FakeIvsChat {
  region: string;
  /** The control-plane endpoint: pass as `endpoint` or AWS_ENDPOINT_URL_IVSCHAT. */
  endpoint: string;
  /** The messaging endpoint: pass as IVS_MESSAGING_URL or a ChatRoom's `regionOrUrl`. */
  messagingUrl: string;
  controlCalls: ControlCall[];
  /** Frames clients sent, in arrival order. */
  received: RecordedFrame[];
  /** Frames the fake sent, per receiving connection. */
  sent: RecordedFrame[];
  connections: FakeChatConnection[];
  /** Connection attempts refused at the handshake, with why. */
  refused: string[];
  /** Every review-handler input, in order. */
  reviews: IvsReviewHandlerInput[];
  /** The logging configurations UpdateRoom attached, by room ARN. */
  roomLogging: Map<string, string[]>;
  /** The room's message review handler; unset means no handler (every message delivered). */
  onMessage: ReviewHook | undefined;
  /** Answer the next `count` calls of `operation` ('*' for any) with an AWS error (default Throttling). */
  failNext(operation: string, count?: number, error?: AwsErrorReply): void;
  /** Answer the next `count` socket requests with ERROR 429 (room rate limit exceeded). */
  rateLimitNext(count?: number): void;
  /** While true, SEND_MESSAGE frames are recorded but never answered. */
  holdSends: boolean;
  /** Close open connections from the server side (all, or one room's). */
  dropConnections(roomArn?: string): void;
  openConnections(roomArn?: string): FakeChatConnection[];
  /** A real SDK client pointed here: dummy credentials, no SDK retries (tests see each answer). */
  client(): IvschatClient;
  close(): Promise<void>;
}

interface IssuedToken {
  roomArn: string;
  userId: string;
  capabilities: Capability[];
  attributes: Record<string, string>;
  tokenExpiresAt: number;
  sessionExpiresAt: number;
  used: boolean;
}

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export function newIvsId(): string {
  return Array.from({ length: 12 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');
}

function attributesBytes(attributes: Record<string, string>): number {
  return Object.entries(attributes).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === 'string')
  );
}

function validation(message: string): AwsError {
  return new AwsError(400, 'ValidationException', message);
}

function roomOf(body: Record<string, unknown>): string {
  const room = body.roomIdentifier;
  if (typeof room !== 'string' || !ROOM_ARN.test(room)) {
    throw validation('roomIdentifier must be an IVS room ARN');
  }
  return room;
}

function optionalAttributes(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isStringMap(value)) throw validation(`${field} must be a map of strings`);
  if (attributesBytes(value) > ATTRIBUTES_MAX_BYTES) {
    throw validation(`${field} exceed ${ATTRIBUTES_MAX_BYTES} bytes`);
  }
  return value;
}

export async function startFakeIvsChat(options: FakeIvsChatOptions = {}): Promise<FakeIvsChat> {
  const region = options.region ?? 'us-west-2';
  const tokenTtlMs = options.tokenTtlMs ?? 60_000;
  const maxLength = options.maximumMessageLength ?? 500;
  const reviewDeadlineMs = options.reviewDeadlineMs ?? 200;
  const tokens = new Map<string, IssuedToken>();
  const failures: Array<{ operation: string; error: AwsErrorReply }> = [];
  let rateLimited = 0;
  let nextConnectionId = 1;
  const clients: IvschatClient[] = [];

  const fake: FakeIvsChat = {
    region,
    endpoint: '',
    messagingUrl: '',
    controlCalls: [],
    received: [],
    sent: [],
    connections: [],
    refused: [],
    reviews: [],
    roomLogging: new Map(),
    onMessage: options.onMessage,
    holdSends: false,
    failNext(operation, count = 1, error) {
      const reply = error ?? { status: 429, type: 'ThrottlingException', message: 'Rate exceeded' };
      for (let i = 0; i < count; i += 1) failures.push({ operation, error: reply });
    },
    rateLimitNext(count = 1) {
      rateLimited += count;
    },
    dropConnections(roomArn) {
      for (const connection of fake.openConnections(roomArn))
        connection.socket.close(1000, 'dropped by test');
    },
    openConnections: (roomArn) =>
      fake.connections.filter((c) => !c.closed && (roomArn === undefined || c.roomArn === roomArn)),
    client() {
      const client = new IvschatClient({
        region,
        endpoint: fake.endpoint,
        credentials: { accessKeyId: 'AKIDFAKEIVSCHAT', secretAccessKey: 'fake-secret' },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const client of clients) client.destroy();
      for (const connection of fake.connections) connection.socket.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await Promise.all([closeServer(control), closeServer(messaging)]);
    },
  };

  // ---- messaging: frames out ----
  const emit = (connection: FakeChatConnection, frame: Record<string, unknown>) => {
    if (connection.closed) return;
    fake.sent.push({
      connectionId: connection.id,
      roomArn: connection.roomArn,
      userId: connection.userId,
      frame,
    });
    connection.socket.send(JSON.stringify(frame));
  };
  /** Every open socket of the room gets the frame; only the requester sees its RequestId. */
  const broadcast = (
    roomArn: string,
    frame: Record<string, unknown>,
    requester?: FakeChatConnection,
    requestId?: string,
  ) => {
    for (const connection of fake.openConnections(roomArn)) {
      emit(
        connection,
        connection === requester && requestId ? { ...frame, RequestId: requestId } : frame,
      );
    }
  };
  const error = (
    connection: FakeChatConnection,
    code: number,
    message: string,
    requestId?: string,
  ) =>
    emit(connection, {
      Type: 'ERROR',
      Id: newIvsId(),
      ...(requestId && { RequestId: requestId }),
      ErrorCode: code,
      ErrorMessage: message,
    });
  const systemEvent = (eventName: string, attributes: Record<string, string>) => ({
    Type: 'EVENT',
    Id: newIvsId(),
    EventName: eventName,
    Attributes: attributes,
    SendTime: new Date().toISOString(),
  });

  const review = async (input: IvsReviewHandlerInput): Promise<Exclude<ReviewDecision, string>> => {
    const hook = fake.onMessage;
    if (!hook) return { ReviewResult: 'ALLOW' };
    fake.reviews.push(input);
    let timer: NodeJS.Timeout | undefined;
    // A handler that fails or misses the deadline gets the room's fallbackResult (default ALLOW).
    const fallback = new Promise<ReviewDecision>((resolve) => {
      timer = setTimeout(() => resolve('ALLOW'), reviewDeadlineMs);
    });
    const decision = await Promise.race([
      Promise.resolve().then(() => hook(input)),
      fallback,
    ]).catch(() => 'ALLOW' as const);
    clearTimeout(timer);
    return typeof decision === 'string' ? { ReviewResult: decision } : decision;
  };

  const onRequest = async (
    connection: FakeChatConnection,
    ip: string,
    frame: Record<string, unknown>,
  ) => {
    const requestId = typeof frame.RequestId === 'string' ? frame.RequestId : undefined;
    if (Date.now() >= connection.sessionExpiresAt) {
      error(connection, 401, 'Connection expired', requestId);
      connection.socket.close(1000, 'session expired');
      return;
    }
    if (rateLimited > 0) {
      rateLimited -= 1;
      error(connection, 429, 'Rate limit exceeded', requestId);
      return;
    }
    const need = (capability: Capability) => {
      if (connection.capabilities.includes(capability)) return true;
      error(connection, 403, `Missing capability ${capability}`, requestId);
      return false;
    };
    switch (frame.Action) {
      case 'SEND_MESSAGE': {
        if (!need('SEND_MESSAGE')) return;
        if (typeof frame.Content !== 'string' || frame.Content === '') {
          error(connection, 400, 'Content must be a non-empty string', requestId);
          return;
        }
        if (frame.Attributes !== undefined && !isStringMap(frame.Attributes)) {
          error(connection, 400, 'Attributes must be a map of strings', requestId);
          return;
        }
        const attributes = frame.Attributes ?? {};
        // Which code IVS uses for these two is not documented: [I] README IVS-32.
        if (Array.from(frame.Content).length > maxLength) {
          error(connection, 413, `Content exceeds ${maxLength} characters`, requestId);
          return;
        }
        if (attributesBytes(attributes) > ATTRIBUTES_MAX_BYTES) {
          error(connection, 413, `Attributes exceed ${ATTRIBUTES_MAX_BYTES} bytes`, requestId);
          return;
        }
        if (fake.holdSends) return;
        const messageId = newIvsId();
        const verdict = await review({
          Content: frame.Content,
          MessageId: messageId,
          RoomArn: connection.roomArn,
          Attributes: attributes,
          Sender: { Attributes: connection.attributes, UserId: connection.userId, Ip: ip },
        });
        if (verdict.ReviewResult === 'DENY') {
          error(
            connection,
            406,
            verdict.Attributes?.Reason ?? 'Message rejected by review',
            requestId,
          );
          return;
        }
        const content = verdict.Content ?? frame.Content;
        const delivered = verdict.Attributes ?? attributes;
        broadcast(
          connection.roomArn,
          {
            Type: 'MESSAGE',
            Id: messageId,
            Content: content,
            Attributes: delivered,
            Sender: { UserId: connection.userId, Attributes: connection.attributes },
            SendTime: new Date().toISOString(),
          },
          connection,
          requestId,
        );
        return;
      }
      case 'DELETE_MESSAGE': {
        if (!need('DELETE_MESSAGE')) return;
        if (typeof frame.Id !== 'string' || frame.Id === '') {
          error(connection, 400, 'Id must be a non-empty string', requestId);
          return;
        }
        const attributes: Record<string, string> = { MessageID: frame.Id };
        if (typeof frame.Reason === 'string') attributes.Reason = frame.Reason;
        broadcast(
          connection.roomArn,
          systemEvent('aws:DELETE_MESSAGE', attributes),
          connection,
          requestId,
        );
        return;
      }
      case 'DISCONNECT_USER': {
        if (!need('DISCONNECT_USER')) return;
        if (typeof frame.UserId !== 'string' || frame.UserId === '') {
          error(connection, 400, 'UserId must be a non-empty string', requestId);
          return;
        }
        disconnectUser(
          connection.roomArn,
          frame.UserId,
          typeof frame.Reason === 'string' ? frame.Reason : undefined,
          connection,
          requestId,
        );
        return;
      }
      default:
        error(connection, 400, `Unknown action ${String(frame.Action)}`, requestId);
    }
  };

  const disconnectUser = (
    roomArn: string,
    userId: string,
    reason: string | undefined,
    requester?: FakeChatConnection,
    requestId?: string,
  ) => {
    broadcast(
      roomArn,
      systemEvent('aws:DISCONNECT_USER', { UserId: userId, ...(reason && { Reason: reason }) }),
      requester,
      requestId,
    );
    for (const connection of fake.openConnections(roomArn)) {
      if (connection.userId === userId) connection.socket.close(1000, 'disconnected by moderator');
    }
  };

  // ---- control plane ----
  const operations: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    CreateChatToken: (body) => {
      const roomArn = roomOf(body);
      const { userId, capabilities = [], sessionDurationInMinutes = 60 } = body;
      if (typeof userId !== 'string' || userId.length < 1 || userId.length > 128) {
        throw validation('userId must be 1-128 characters');
      }
      if (
        !Array.isArray(capabilities) ||
        !capabilities.every((c) => CAPABILITIES.includes(c as Capability))
      ) {
        throw validation(`capabilities must be among ${CAPABILITIES.join(', ')}`);
      }
      if (
        typeof sessionDurationInMinutes !== 'number' ||
        !Number.isInteger(sessionDurationInMinutes) ||
        sessionDurationInMinutes < 1 ||
        sessionDurationInMinutes > 180
      ) {
        throw validation('sessionDurationInMinutes must be an integer from 1 to 180');
      }
      const attributes = optionalAttributes(body.attributes, 'attributes') ?? {};
      const issued = Date.now();
      const sessionExpiresAt = issued + sessionDurationInMinutes * 60_000;
      // Opaque, like the real (encrypted) token; base64url so it is a valid subprotocol token.
      const token = `AQICAH${randomBytes(36).toString('base64url')}`;
      tokens.set(token, {
        roomArn,
        userId,
        capabilities: capabilities as Capability[],
        attributes,
        tokenExpiresAt: Math.min(issued + tokenTtlMs, sessionExpiresAt),
        sessionExpiresAt,
        used: false,
      });
      return {
        token,
        tokenExpirationTime: new Date(
          Math.min(issued + tokenTtlMs, sessionExpiresAt),
        ).toISOString(),
        sessionExpirationTime: new Date(sessionExpiresAt).toISOString(),
      };
    },
    SendEvent: (body) => {
      const roomArn = roomOf(body);
      const { eventName } = body;
      if (typeof eventName !== 'string' || eventName.length < 1 || eventName.length > 100) {
        throw validation('eventName must be 1-100 characters');
      }
      const attributes = optionalAttributes(body.attributes, 'attributes');
      const id = newIvsId();
      broadcast(roomArn, {
        Type: 'EVENT',
        Id: id,
        EventName: eventName,
        ...(attributes && { Attributes: attributes }),
        SendTime: new Date().toISOString(),
      });
      return { id };
    },
    DeleteMessage: (body) => {
      const roomArn = roomOf(body);
      const { id, reason } = body;
      if (typeof id !== 'string' || id.length < 1 || id.length > 12)
        throw validation('id must be 1-12 characters');
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 256)) {
        throw validation('reason must be at most 256 characters');
      }
      const event = systemEvent('aws:DELETE_MESSAGE', {
        MessageID: id,
        ...(typeof reason === 'string' && { Reason: reason }),
      });
      broadcast(roomArn, event);
      return { id: event.Id };
    },
    // The bridge attaches chat logging to its rooms at deploy (lib/ivs-chat-logging.ts).
    UpdateRoom: (body) => {
      const { identifier, loggingConfigurationIdentifiers } = body;
      if (typeof identifier !== 'string' || !ROOM_ARN.test(identifier)) {
        throw validation('identifier must be an IVS room ARN');
      }
      if (
        loggingConfigurationIdentifiers !== undefined &&
        (!Array.isArray(loggingConfigurationIdentifiers) ||
          !loggingConfigurationIdentifiers.every((id) => typeof id === 'string'))
      ) {
        throw validation('loggingConfigurationIdentifiers must be a list of ARNs');
      }
      const logging = (loggingConfigurationIdentifiers ?? []) as string[];
      fake.roomLogging.set(identifier, logging);
      return {
        arn: identifier,
        id: identifier.split('/').pop(),
        loggingConfigurationIdentifiers: logging,
      };
    },
    DisconnectUser: (body) => {
      const roomArn = roomOf(body);
      const { userId, reason } = body;
      if (typeof userId !== 'string' || userId === '') throw validation('userId is required');
      disconnectUser(roomArn, userId, typeof reason === 'string' ? reason : undefined);
      return {};
    },
  };

  const reply = (
    res: ServerResponse,
    status: number,
    payload: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': randomBytes(16).toString('hex'),
      ...headers,
    });
    res.end(JSON.stringify(payload));
  };
  const replyError = (res: ServerResponse, error: AwsErrorReply) =>
    reply(res, error.status, { message: error.message }, { 'x-amzn-errortype': error.type });

  const handleControl = async (req: IncomingMessage, res: ServerResponse) => {
    const operation = (req.url ?? '').split('?')[0]!.replace(/^\//, '');
    let body: Record<string, unknown> = {};
    let rawBody: Buffer = Buffer.alloc(0);
    try {
      rawBody = await readBody(req, 1024 * 1024);
      const text = rawBody.toString('utf8');
      body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      replyError(res, { status: 400, type: 'SerializationException', message: 'body is not JSON' });
      return;
    }
    fake.controlCalls.push({ operation, headers: req.headers, body });
    const run = operations[operation];
    if (req.method !== 'POST' || !run) {
      replyError(res, {
        status: 404,
        type: 'UnknownOperationException',
        message: `unknown operation ${operation}`,
      });
      return;
    }
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      replyError(res, {
        status: 403,
        type: 'AccessDeniedException',
        message: 'request is not SigV4-signed',
      });
      return;
    }
    const denied = await authorizeControl(req, operation, body, rawBody);
    if (denied) {
      replyError(res, { status: 403, type: 'AccessDeniedException', message: denied });
      return;
    }
    const injected = failures.findIndex((f) => f.operation === operation || f.operation === '*');
    if (injected >= 0) {
      replyError(res, failures.splice(injected, 1)[0]!.error);
      return;
    }
    try {
      reply(res, 200, run(body));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      replyError(res, { status: error.status, type: error.type, message: error.message });
    }
  };

  /** The resources IAM authorizes an operation on: its room, and UpdateRoom's logging configurations. */
  const authorizeControl = async (
    req: IncomingMessage,
    operation: string,
    body: Record<string, unknown>,
    rawBody: Buffer,
  ): Promise<string | undefined> => {
    if (!options.authorize) return undefined;
    const rooms = [body.roomIdentifier, body.identifier].filter((r) => typeof r === 'string');
    const configurations = Array.isArray(body.loggingConfigurationIdentifiers)
      ? body.loggingConfigurationIdentifiers.filter((c) => typeof c === 'string')
      : [];
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [name, String(value ?? '')]),
    );
    for (const resource of [...rooms, ...configurations] as string[]) {
      const denied = await options.authorize(
        { method: req.method ?? 'POST', path: req.url ?? '/', headers, body: rawBody },
        `ivschat:${operation}`,
        resource,
      );
      if (denied !== undefined) return denied;
    }
    return undefined;
  };

  const control = createServer((req, res) => {
    handleControl(req, res).catch(() =>
      replyError(res, { status: 500, type: 'InternalServerException', message: 'fake failed' }),
    );
  });

  // ---- messaging: connections ----
  const messaging = createServer((_req, res) => {
    res.writeHead(426).end();
  });
  const sockets = new WebSocketServer({
    server: messaging,
    // The token is the subprotocol: unknown, reused or expired tokens are refused at the handshake.
    verifyClient: ({ req }, done) => {
      const token = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')[0]!
        .trim();
      const issued = tokens.get(token);
      const why = !issued
        ? 'unknown token'
        : issued.used
          ? 'token already used (a token opens one connection)'
          : Date.now() > issued.tokenExpiresAt
            ? 'token expired'
            : undefined;
      if (why) {
        fake.refused.push(why);
        done(false, 403, why);
        return;
      }
      issued!.used = true;
      done(true);
    },
    handleProtocols: (protocols) => [...protocols][0] ?? false,
  });
  sockets.on('connection', (socket, req) => {
    const issued = tokens.get(socket.protocol)!;
    const connection: FakeChatConnection = {
      id: nextConnectionId++,
      roomArn: issued.roomArn,
      userId: issued.userId,
      capabilities: issued.capabilities,
      attributes: issued.attributes,
      sessionExpiresAt: issued.sessionExpiresAt,
      closed: false,
      socket,
    };
    fake.connections.push(connection);
    const ip = sourceIp(req);
    // IVS ends the connection when its session does ([I] README IVS-31: close code undocumented).
    const sessionTimer = setTimeout(
      () => socket.close(1000, 'session expired'),
      Math.min(issued.sessionExpiresAt - Date.now(), 2 ** 31 - 1),
    );
    sessionTimer.unref();
    socket.on('close', () => {
      connection.closed = true;
      clearTimeout(sessionTimer);
    });
    socket.on('message', (data) => {
      let frame: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(String(data));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object');
        frame = parsed as Record<string, unknown>;
      } catch {
        error(connection, 400, 'Malformed request');
        return;
      }
      fake.received.push({
        connectionId: connection.id,
        roomArn: connection.roomArn,
        userId: connection.userId,
        frame,
      });
      void onRequest(connection, ip, frame).catch(() => error(connection, 500, 'Internal error'));
    });
  });

  const host = '127.0.0.1';
  fake.endpoint = `http://${host}:${await listen(control, options.controlPort ?? 0, host)}`;
  fake.messagingUrl = `ws://${host}:${await listen(messaging, options.messagingPort ?? 0, host)}`;
  return fake;
}

// ---- the real client SDK against the fake ----

/**
 * `amazon-ivs-chat-messaging` uses the global WebSocket (a browser's). In Node, give it `ws`
 * for the duration of a test; the returned function puts the previous global back.
 */
export function useWsAsGlobalWebSocket(): () => void {
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
  Object.defineProperty(globalThis, 'WebSocket', {
    value: WsWebSocket,
    configurable: true,
    writable: true,
  });
  return () => {
    if (previous) Object.defineProperty(globalThis, 'WebSocket', previous);
    else Reflect.deleteProperty(globalThis, 'WebSocket');
  };
}

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface RoomMember {
  room: ChatRoom;
  messages: ChatMessage[];
  events: ChatEvent[];
  deletes: DeleteMessageEvent[];
  leave(): void;
}

/**
 * A real ChatRoom connected to the fake as `userId`, its token minted through the real
 * IvschatClient, exactly as a frontend does with the bridge's token endpoint.
 */
export async function joinRoom(
  fake: FakeIvsChat,
  options: {
    roomArn: string;
    userId: string;
    capabilities?: Capability[];
    attributes?: Record<string, string>;
    /** Where the member's chat token comes from (default: CreateChatToken on the fake). */
    tokenProvider?: () => Promise<{
      token: string;
      sessionExpirationTime?: Date;
      tokenExpirationTime?: Date;
    }>;
  },
): Promise<RoomMember> {
  const client = fake.client();
  const room = new ChatRoom({
    regionOrUrl: fake.messagingUrl,
    tokenProvider:
      options.tokenProvider ??
      (async () => {
        const token = await client.send(
          new CreateChatTokenCommand({
            roomIdentifier: options.roomArn,
            userId: options.userId,
            capabilities: options.capabilities ?? ['SEND_MESSAGE'],
            ...(options.attributes && { attributes: options.attributes }),
          }),
        );
        return {
          token: token.token!,
          sessionExpirationTime: token.sessionExpirationTime,
          tokenExpirationTime: token.tokenExpirationTime,
        };
      }),
  });
  room.logger = silentLogger;
  room.logLevel = 'error';
  const member: RoomMember = {
    room,
    messages: [],
    events: [],
    deletes: [],
    leave: () => room.disconnect(),
  };
  room.addListener('message', (message) => member.messages.push(message));
  room.addListener('event', (event) => member.events.push(event));
  room.addListener('messageDelete', (event) => member.deletes.push(event));
  await new Promise<void>((resolve, reject) => {
    const offConnect = room.addListener('connect', () => {
      offConnect();
      offDisconnect();
      resolve();
    });
    const offDisconnect = room.addListener('disconnect', (reason) => {
      offConnect();
      offDisconnect();
      reject(new Error(`ChatRoom could not connect: ${reason}`));
    });
    room.connect();
  });
  return member;
}
