import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedTigerConnectRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the Basic credentials matched. */
  authorized: boolean;
}

export interface SentTigerConnectMessage {
  messageId: string;
  /** The JSON body of `POST /v2/message` as received. */
  body: Record<string, unknown>;
}

export interface TigerConnectFailure {
  status: number;
  /** Sent as the Retry-After header when given. */
  retryAfter?: string;
}

export interface FakeTigerConnectOptions {
  /** Port to listen on (default: a free one); a deployment's settings may need it fixed. */
  port?: number;
  apiKey?: string;
  apiSecret?: string;
  /** TigerConnect ends each event stream after about 7 minutes ([V] README TC-7); tests shorten it. */
  streamLifetimeMs?: number;
  /** Write a `: keep-alive` comment this often on open streams (off when absent). */
  keepAliveMs?: number;
  /** Write every frame in pieces of this many bytes, so frames arrive split across chunks. */
  pieceSize?: number;
  /**
   * Put every accepted message on the event stream as a `tigertext:iq:message` from this user
   * token, as the sender's own stream shows its posts ([I] README TC-21) — so echo handling can be tested.
   */
  echoSentMessagesAs?: string;
}

export interface FakeTigerConnect {
  /** Give this as TIGERCONNECT_API_URL. */
  url: string;
  apiKey: string;
  apiSecret: string;
  /** TIGERCONNECT_API_URL, _KEY and _SECRET for this fake. */
  env: Record<string, string>;
  requests: RecordedTigerConnectRequest[];
  messages: SentTigerConnectMessage[];
  /** Queue event records: streamed to open connections now, replayed on every connect until acked. */
  publish(...records: unknown[]): void;
  /** Write raw text to every open stream (not queued, never replayed). */
  publishRaw(text: string): void;
  /** Ids of queued events not acked yet, oldest first. */
  unackedIds(): string[];
  /** The next `count` sends answer with `failure` instead of accepting the message. */
  failNextSends(count: number, failure: TigerConnectFailure): void;
  openStreams(): number;
  closeStreams(): void;
  close(): Promise<void>;
}

interface OpenStream {
  res: ServerResponse;
  /** Writes are chained so frames written in pieces never interleave. */
  writing: Promise<void>;
  autoAck: boolean;
  timers: NodeJS.Timeout[];
}

/**
 * A stand-in for the TigerConnect REST v2 API the bridge uses ([V] README TC-2, TC-4, TC-6):
 * HTTP Basic `key:secret` on every call; `GET /v2/events` streams each event record as one
 * SSE `data:` frame, first replaying every unacked event (as TigerConnect does on connect), then live
 * ones, until closed or its lifetime ends; `TT-X-Features: auto-ack` acks on send;
 * `POST /v2/events/ack` with `{"events": [ids]}` (or the ids comma-joined) -> 204;
 * `DELETE /v2/events` drops open streams -> `{"reply": {"count": n}}`; `POST /v2/message`
 * (JSON `body`, `recipient`, optional `data[]`) -> 204 with `TT-X-Message-Id`.
 */
export async function startFakeTigerConnect(
  options: FakeTigerConnectOptions = {},
): Promise<FakeTigerConnect> {
  const apiKey = options.apiKey ?? 'tc-key-1f2e3d';
  const apiSecret = options.apiSecret ?? 'tc-secret-9a8b7c';
  const expectedAuth = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`;
  const requests: RecordedTigerConnectRequest[] = [];
  const messages: SentTigerConnectMessage[] = [];
  /** Queued events by ack id, in publish order; records without an id can never be acked. */
  const unacked = new Map<string, unknown>();
  const streams = new Set<OpenStream>();
  const sendFailures: TigerConnectFailure[] = [];

  const frameOf = (record: unknown) => `data: ${JSON.stringify(record)}\n\n`;
  const write = (stream: OpenStream, text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const size = options.pieceSize ?? bytes.length;
    stream.writing = stream.writing.then(async () => {
      for (let at = 0; at < bytes.length; at += size) {
        if (stream.res.writableEnded) return;
        stream.res.write(bytes.subarray(at, at + size));
        // A pause per piece, so the pieces reach the client as separate chunks.
        if (size < bytes.length) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    });
  };
  const send = (stream: OpenStream, key: string, record: unknown) => {
    write(stream, frameOf(record));
    if (stream.autoAck) unacked.delete(key);
  };
  const endStream = (stream: OpenStream) => {
    if (!streams.delete(stream)) return;
    stream.timers.forEach(clearTimeout);
    void stream.writing.then(() => stream.res.end());
  };
  const publish = (...records: unknown[]) => {
    for (const record of records) {
      const id = (record as { event_id?: unknown } | null)?.event_id;
      const key = typeof id === 'string' && id !== '' ? id : `unackable-${randomUUID()}`;
      unacked.set(key, record);
      for (const stream of streams) send(stream, key, record);
    }
  };

  const openStream = (req: IncomingMessage, res: ServerResponse) => {
    const features = String(req.headers['tt-x-features'] ?? '')
      .split(',')
      .map((feature) => feature.trim().toLowerCase());
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    const stream: OpenStream = {
      res,
      writing: Promise.resolve(),
      autoAck: features.includes('auto-ack'),
      timers: [],
    };
    streams.add(stream);
    res.on('close', () => endStream(stream));
    for (const [key, record] of [...unacked]) send(stream, key, record);
    stream.timers.push(setTimeout(() => endStream(stream), options.streamLifetimeMs ?? 7 * 60_000));
    if (options.keepAliveMs) {
      const keepAlive = setInterval(() => write(stream, ': keep-alive\n\n'), options.keepAliveMs);
      stream.timers.push(keepAlive);
    }
  };

  const acceptMessage = (res: ServerResponse, text: string) => {
    const body = parseJson(text);
    const data = body?.data;
    const validData =
      data === undefined ||
      (Array.isArray(data) &&
        data.every(
          (entry: unknown) =>
            typeof entry === 'object' &&
            entry !== null &&
            typeof (entry as { namespace?: unknown }).namespace === 'string',
        ));
    if (
      !body ||
      typeof body.body !== 'string' ||
      typeof body.recipient !== 'string' ||
      body.recipient === '' ||
      !validData
    ) {
      return reply(res, 400, { error: { message: 'body and recipient are required' } });
    }
    const failure = sendFailures.shift();
    if (failure) {
      return reply(
        res,
        failure.status,
        { error: { message: 'rejected by the fake' } },
        {
          ...(failure.retryAfter !== undefined && { 'retry-after': failure.retryAfter }),
        },
      );
    }
    const messageId = randomUUID();
    messages.push({ messageId, body });
    res.writeHead(204, { 'tt-x-message-id': messageId });
    res.end();
    if (options.echoSentMessagesAs) {
      publish({
        event_id: randomUUID(),
        event: {
          'tigertext:iq:message': {
            message_id: messageId,
            sender_token: options.echoSentMessagesAs,
            recipient_token: body.recipient,
            created_time: new Date().toISOString(),
            body: body.body,
            status: 'New',
            attachments: [],
            data: data ?? [],
          },
        },
      });
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const authorized = req.headers.authorization === expectedAuth;
      requests.push({ method: req.method ?? '', path, headers: req.headers, body, authorized });
      if (!authorized) {
        return reply(
          res,
          401,
          { error: { message: 'invalid credentials' } },
          {
            'www-authenticate': 'Basic realm="TigerText"',
          },
        );
      }
      const route = `${req.method} ${path}`;
      if (route === 'GET /v2/events') return openStream(req, res);
      if (route === 'POST /v2/events/ack') {
        const ids = ackIds(body);
        if (!ids) return reply(res, 400, { error: { message: 'events is required' } });
        ids.forEach((id) => unacked.delete(id));
        res.writeHead(204);
        return res.end();
      }
      if (route === 'DELETE /v2/events') {
        const count = streams.size;
        [...streams].forEach(endStream);
        return reply(res, 200, { reply: { count } });
      }
      if (route === 'POST /v2/message') return acceptMessage(res, body);
      return reply(res, 404, { error: { message: 'not found' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiKey,
    apiSecret,
    env: {
      TIGERCONNECT_API_URL: url,
      TIGERCONNECT_API_KEY: apiKey,
      TIGERCONNECT_API_SECRET: apiSecret,
    },
    requests,
    messages,
    publish,
    publishRaw: (text) => streams.forEach((stream) => write(stream, text)),
    unackedIds: () => [...unacked.keys()],
    failNextSends: (count, failure) => {
      for (let i = 0; i < count; i += 1) sendFailures.push(failure);
    },
    openStreams: () => streams.size,
    closeStreams: () => [...streams].forEach(endStream),
    close: async () => {
      [...streams].forEach(endStream);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function reply(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `{"events": [ids]}` or `{"events": "id1,id2"}`: both clients' forms ([V] README TC-6). */
function ackIds(text: string): string[] | undefined {
  const events = parseJson(text)?.events;
  if (Array.isArray(events) && events.every((id) => typeof id === 'string')) return events;
  if (typeof events === 'string' && events !== '') return events.split(',');
  return undefined;
}
