import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

/** Signs the session tokens this fake issues, so the SDK-token route can check them. */
const SESSION_SIGNING_KEY = 'fake-gitple-signing-key';

type Reply = (status: number, payload: unknown, headers?: Record<string, string>) => void;

export interface RecordedGitpleRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A message the fake holds, in the shape of the SDK's `BaseMessage` ([V] README GIT-18). */
export interface GitpleStoredMessage {
  message_id: number;
  channel_id: string;
  type: 'text';
  content: string;
  meta?: Record<string, unknown>;
  user: { user_id: string; name: string };
  created_at: number;
  updated_at: number;
  /** Set once `DELETE .../messages/{id}` removed it. */
  deleted?: boolean;
}

/** A group channel as the fake holds it (the SDK's `ChannelData`, [V] README GIT-25, GIT-27). */
export interface GitpleStoredChannel {
  channel_id: string;
  type: 'group';
  name: string;
  members: string[];
  /** Who created it (the caller's `USER_ID`). */
  created_by: string;
  freeze: boolean;
  created_at: number;
  updated_at: number;
}

export interface GitpleFailure {
  status: number;
  /** Sent as the Retry-After header when given. */
  retryAfter?: string;
  body?: unknown;
}

export interface FakeGitplePlatform {
  /** Give this as GITPLE_HOST (an http base is allowed for local tests). */
  url: string;
  requests: RecordedGitpleRequest[];
  users: Map<string, { user_id: string; name: string }>;
  /** Messages posted through the SDK send route, oldest first (deleted ones flagged). */
  messages: GitpleStoredMessage[];
  /** Group channels created through `POST /v1/sdk/group/channels`, by id. */
  channels: Map<string, GitpleStoredChannel>;
  /** Answer every request with this status and body until cleared. */
  failWith(failure: { status: number; body: unknown } | undefined): void;
  /** The next `count` SDK message calls (send or delete) answer `failure` instead. */
  failNextMessageCalls(count: number, failure: GitpleFailure): void;
  /** The next `count` message lists (`GET .../messages`) answer `failure` instead. */
  failNextListCalls(count: number, failure: GitpleFailure): void;
  /** The next `count` channel calls (create, read, freeze) answer `failure` instead. */
  failNextChannelCalls(count: number, failure: GitpleFailure): void;
  /** Forget every SDK token issued so far, as a server-side expiry or revocation would. */
  revokeSdkTokens(): void;
  close(): Promise<void>;
}

/**
 * A stand-in for the Gitple Live platform API: `APP_ID` / `APP_API_KEY` headers,
 * `POST /v1/users/{id}/token` with `{expires_at}` answering `{token, expires_at}` where the
 * token is a JWT with `user_id`, `iat`, `exp` in milliseconds (what the SDK reads), and
 * `POST /v1/users` with `{user_id, name}`. Unknown users get 404; the user-creation endpoint
 * ([G] README GIT-5) and the error bodies (`{code, name, message}`, [I] README GIT-24) are not
 * documented.
 *
 * The SDK side, as the Gitple SDK calls it ([V] README GIT-7, GIT-9, GIT-18, GIT-19):
 * `POST /v1/sdk/users/token` with `APP_ID`, `USER_ID` and `Authorization: Bearer <session
 * token>` (a session token this fake issued, unexpired, for that user) answers
 * `{token, expires_at}`; `POST /v1/sdk/group/channels/{id}/messages` `{type:'text', content,
 * meta?}` and `DELETE .../messages/{message_id}` take `APP_ID`, `USER_ID` and the SDK token as
 * Bearer. Sent messages get increasing numeric `message_id`s. Status codes other than 401 for
 * bad tokens (400 for a bad body, 404 for an unknown message) are inferred ([I] README GIT-24).
 *
 * Channels ([V] README GIT-25, GIT-27): `POST /v1/sdk/group/channels` `{channel_id, name,
 * members?, reuse?}` creates one (the caller's `channel_id`); a taken id answers the existing
 * channel when `reuse` is true, else 409 ([I] README GIT-26); `GET .../{id}` reads one;
 * `PUT .../{id}/freeze` `{freeze}` sets `freeze`. A message into a frozen channel is refused
 * (403, [I] README GIT-29); with `knownChannels`, so is one into a channel that was never created
 * nor listed (404), and so is a list of it.
 *
 * `GET .../messages?limit=&mode=&base_message_id=` lists a channel as the SDK's
 * `getMessageList` asks ([V] README GIT-30): `{messages}`; `mode=prev` (the default) the newest
 * `limit` before `base_message_id` (or the newest of all), `mode=next` the oldest after it
 * ([I] README GIT-31), deleted messages left out, oldest first within the page (the order is
 * not documented, so the adapter must not rely on it), `limit` capped at 100 ([G] README GIT-32).
 */
export async function startFakeGitplePlatform(options: {
  appId: string;
  apiKey: string;
  users?: string[];
  /** Port to listen on (default: a free one); a deployment's settings may need it fixed. */
  port?: number;
  /** The fake's clock (epoch ms) for token expiry and message times; tests move it. */
  now?: () => number;
  /** Lifetime of SDK tokens; Gitple's own is not public ([G] README GIT-8). Default 24 h. */
  sdkTokenTtlMs?: number;
  /** Channels that exist without being created; given, a send elsewhere is a 404. */
  knownChannels?: string[];
}): Promise<FakeGitplePlatform> {
  const requests: RecordedGitpleRequest[] = [];
  const users = new Map((options.users ?? []).map((id) => [id, { user_id: id, name: id }]));
  const now = options.now ?? Date.now;
  const sdkTokenTtlMs = options.sdkTokenTtlMs ?? 24 * 60 * 60_000;
  const sdkTokens = new Map<string, { userId: string; expiresAt: number }>();
  const messages: GitpleStoredMessage[] = [];
  const messageFailures: GitpleFailure[] = [];
  const listFailures: GitpleFailure[] = [];
  const channelFailures: GitpleFailure[] = [];
  const channels = new Map<string, GitpleStoredChannel>();
  const known = options.knownChannels && new Set(options.knownChannels);
  let nextMessageId = 1001;
  let failure: { status: number; body: unknown } | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      const path = req.url ?? '';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const reply: Reply = (status, payload, headers = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (failure) return reply(failure.status, failure.body);
      if (path.startsWith('/v1/sdk/')) {
        return handleSdk(req.method ?? '', path, req.headers, body, reply);
      }
      if (req.headers.app_id !== options.appId || req.headers.app_api_key !== options.apiKey) {
        return reply(401, { code: 4001, name: 'unauthorized', message: 'invalid app credentials' });
      }
      const tokenPath = /^\/v1\/users\/([^/]+)\/token$/.exec(path);
      if (req.method === 'POST' && tokenPath) {
        const userId = decodeURIComponent(tokenPath[1]!);
        if (!users.has(userId)) {
          return reply(404, { code: 60201, name: 'not_found', message: 'user not found' });
        }
        const expiresAt = (body as { expires_at: number }).expires_at;
        const token = jwt.sign(
          { user_id: userId, iat: Date.now(), exp: expiresAt },
          SESSION_SIGNING_KEY,
          { noTimestamp: true },
        );
        return reply(200, { token, expires_at: expiresAt });
      }
      if (req.method === 'POST' && path === '/v1/users') {
        const { user_id: userId, name } = body as { user_id: string; name: string };
        if (users.has(userId)) {
          return reply(409, { code: 60202, name: 'conflict', message: 'user exists' });
        }
        const user = { user_id: userId, name };
        users.set(userId, user);
        return reply(201, { ...user, created_at: Date.now(), updated_at: Date.now() });
      }
      return reply(404, { code: 60000, name: 'not_found', message: 'no such route' });
    });
  });
  const unauthorized = (reply: Reply) =>
    reply(401, { code: 4001, name: 'unauthorized', message: 'invalid token' });

  /** The `/v1/sdk/*` routes: SDK headers, never the app API key. */
  function handleSdk(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: unknown,
    reply: Reply,
  ): void {
    const userId = headers.user_id;
    const bearer = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
    if (headers.app_id !== options.appId || typeof userId !== 'string' || !bearer) {
      return unauthorized(reply);
    }
    if (method === 'POST' && path === '/v1/sdk/users/token') {
      let session: jwt.JwtPayload;
      try {
        // exp is in milliseconds (what the SDK reads), so jsonwebtoken must not judge it.
        session = jwt.verify(bearer, SESSION_SIGNING_KEY, {
          ignoreExpiration: true,
        }) as jwt.JwtPayload;
      } catch {
        return unauthorized(reply);
      }
      if (session.user_id !== userId || typeof session.exp !== 'number' || session.exp <= now()) {
        return unauthorized(reply);
      }
      const token = `sdk-${randomUUID()}`;
      const expiresAt = now() + sdkTokenTtlMs;
      sdkTokens.set(token, { userId, expiresAt });
      return reply(200, { token, expires_at: expiresAt });
    }
    const granted = sdkTokens.get(bearer);
    if (!granted || granted.userId !== userId || granted.expiresAt <= now()) {
      return unauthorized(reply);
    }
    const url = new URL(path, 'http://fake');
    const channelPath = /^\/v1\/sdk\/group\/channels(?:\/([^/]+)(\/freeze)?)?$/.exec(url.pathname);
    if (channelPath) {
      const injected = channelFailures.shift();
      if (injected) return replyFailure(injected, reply);
      return handleChannel(method, channelPath, userId, body, reply);
    }
    const messagesPath = /^\/v1\/sdk\/group\/channels\/([^/]+)\/messages(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    if (!messagesPath) {
      return reply(404, { code: 60000, name: 'not_found', message: 'no such route' });
    }
    const injected = (method === 'GET' ? listFailures : messageFailures).shift();
    if (injected) return replyFailure(injected, reply);
    const channelId = decodeURIComponent(messagesPath[1]!);
    const messageId = messagesPath[2];
    const channel = channels.get(channelId);
    if (channel?.freeze && method === 'POST') {
      return reply(403, { code: 60401, name: 'forbidden', message: 'channel is frozen' });
    }
    if (known && !channel && !known.has(channelId)) {
      return reply(404, { code: 60104, name: 'invalid_channel_id', message: 'no channel' });
    }
    if (method === 'GET' && messageId === undefined) {
      return reply(200, { messages: listChannel(channelId, url.searchParams) });
    }
    if (method === 'POST' && messageId === undefined) {
      const { type, content, meta } = (body ?? {}) as Record<string, unknown>;
      if (type !== 'text' || typeof content !== 'string' || content === '') {
        return reply(400, { code: 60001, name: 'invalid_parameters', message: 'bad message' });
      }
      const at = now();
      const message: GitpleStoredMessage = {
        message_id: nextMessageId++,
        channel_id: channelId,
        type: 'text',
        content,
        ...(meta !== undefined && { meta: meta as Record<string, unknown> }),
        user: users.get(userId) ?? { user_id: userId, name: userId },
        created_at: at,
        updated_at: at,
      };
      messages.push(message);
      const { deleted: _deleted, ...shown } = message;
      return reply(200, shown);
    }
    if (method === 'DELETE' && messageId !== undefined) {
      const found = messages.find(
        (m) => m.channel_id === channelId && String(m.message_id) === messageId && !m.deleted,
      );
      if (!found) return reply(404, { code: 60301, name: 'not_found', message: 'no message' });
      found.deleted = true;
      found.updated_at = now();
      return reply(200, {});
    }
    return reply(404, { code: 60000, name: 'not_found', message: 'no such route' });
  }

  function replyFailure(failure: GitpleFailure, reply: Reply): void {
    reply(
      failure.status,
      failure.body ?? { code: 50000, name: 'unavailable', message: 'injected failure' },
      failure.retryAfter !== undefined ? { 'retry-after': failure.retryAfter } : {},
    );
  }

  /** Create, read and freeze group channels. */
  function handleChannel(
    method: string,
    [, rawId, freezePath]: RegExpExecArray,
    userId: string,
    body: unknown,
    reply: Reply,
  ): void {
    const shown = (channel: GitpleStoredChannel) => {
      const { members: _members, created_by: _by, ...rest } = channel;
      return rest;
    };
    if (method === 'POST' && rawId === undefined) {
      const { channel_id: id, name, members, reuse } = (body ?? {}) as Record<string, unknown>;
      if (typeof id !== 'string' || id === '' || typeof name !== 'string' || name === '') {
        return reply(400, { code: 60101, name: 'invalid_parameters', message: 'bad channel' });
      }
      const existing = channels.get(id);
      if (existing) {
        return reuse === true
          ? reply(200, shown(existing))
          : reply(409, { code: 60409, name: 'conflict', message: 'channel exists' });
      }
      const at = now();
      const channel: GitpleStoredChannel = {
        channel_id: id,
        type: 'group',
        name,
        members: Array.isArray(members) ? members.map(String) : [userId],
        created_by: userId,
        freeze: false,
        created_at: at,
        updated_at: at,
      };
      channels.set(id, channel);
      return reply(200, shown(channel));
    }
    const channel = rawId === undefined ? undefined : channels.get(decodeURIComponent(rawId));
    if (!channel) return reply(404, { code: 60104, name: 'invalid_channel_id', message: 'none' });
    if (method === 'GET' && !freezePath) return reply(200, shown(channel));
    if (method === 'PUT' && freezePath) {
      const { freeze } = (body ?? {}) as { freeze?: unknown };
      if (typeof freeze !== 'boolean') {
        return reply(400, { code: 60101, name: 'invalid_parameters', message: 'freeze' });
      }
      channel.freeze = freeze;
      channel.updated_at = now();
      return reply(200, shown(channel));
    }
    return reply(404, { code: 60000, name: 'not_found', message: 'no such route' });
  }

  /** One page of a channel's messages, as `GET .../messages` answers it. */
  function listChannel(channelId: string, query: URLSearchParams) {
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 20) || 20));
    const base = query.has('base_message_id') ? Number(query.get('base_message_id')) : undefined;
    const inChannel = messages.filter((m) => m.channel_id === channelId && !m.deleted);
    const page =
      query.get('mode') === 'next'
        ? inChannel.filter((m) => base === undefined || m.message_id > base).slice(0, limit)
        : inChannel.filter((m) => base === undefined || m.message_id < base).slice(-limit);
    return page.map(({ deleted: _deleted, ...shown }) => shown);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    users,
    messages,
    channels,
    failWith: (next) => {
      failure = next;
    },
    failNextMessageCalls: (count, next) => {
      for (let i = 0; i < count; i += 1) messageFailures.push(next);
    },
    failNextListCalls: (count, next) => {
      for (let i = 0; i < count; i += 1) listFailures.push(next);
    },
    failNextChannelCalls: (count, next) => {
      for (let i = 0; i < count; i += 1) channelFailures.push(next);
    },
    revokeSdkTokens: () => sdkTokens.clear(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
