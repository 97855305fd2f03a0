import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

export interface RecordedPingstreamsRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The custom JWT's verified claims, when it verified. */
  claims?: Record<string, unknown>;
  /** The parsed JSON body, when there was one. */
  body?: unknown;
}

/** A saved message as tiledesk-server's `models/message.js` serializes it ([V] README PS-18). */
export interface PingstreamsStoredMessage {
  _id: string;
  sender: string;
  senderFullname: string;
  recipient: string;
  type: string;
  channel_type: 'group';
  text: string;
  channel: { name: string };
  id_project: string;
  status: number;
  attributes?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  __v: 0;
}

export interface PingstreamsFailure {
  status: number;
  /** Sent as the Retry-After header when given. */
  retryAfter?: string;
  body?: unknown;
}

type Reply = (status: number, payload: unknown, headers?: Record<string, string>) => void;

export interface FakePingstreamsAuth {
  /** Give this as PINGSTREAMS_API_URL. */
  url: string;
  requests: RecordedPingstreamsRequest[];
  /** Messages saved through `POST /{project}/requests/{request_id}/messages`, oldest first. */
  messages: PingstreamsStoredMessage[];
  failWith(failure: { status: number; body: unknown } | undefined): void;
  /** The next `count` message posts (after authentication) answer `failure` instead. */
  failNextMessageCalls(count: number, failure: PingstreamsFailure): void;
  /** The next `count` message lists (after authentication) answer `failure` instead. */
  failNextListCalls(count: number, failure: PingstreamsFailure): void;
  /** Forget every token the exchange handed out, as an expiry or a rotated secret would. */
  revokeTokens(): void;
  close(): Promise<void>;
}

/**
 * A stand-in for `POST {API}/auth/signinWithCustomToken` as tiledesk-server implements it
 * (Pingstreams is Tiledesk): `Authorization: JWT <custom token>`, the secret picked by the path
 * of `aud` (`/projects/<id>`, host ignored), HS* verified, `sub` must be `userexternal` and `_id`
 * present (and, per the Pingstreams docs, prefixed with `<projectId>_`). Answers
 * `{success: true, token: "JWT <the same token>", user}` for end users, 401 otherwise.
 *
 * Also `POST /{project}/requests/{request_id}/messages` as `routes/message.js` serves it ([V] README PS-18):
 * `Authorization: JWT <token>` where the token is one this fake's exchange handed out, still
 * valid for that project (passport answers a bare 401 otherwise). Tiledesk itself accepts any
 * well-signed custom JWT of a user who has signed in (the exchange hands the same JWT back);
 * tracking handed-out tokens is the fake's simplification, so `revokeTokens()` can stand for
 * the server refusing a token the bridge still holds. 422
 * `{errors: ["text field is required"]}` for a text message without text; the request is
 * created on its first message; the answer is the saved message with `request` populated.
 *
 * And `GET /{project}/requests/{request_id}/messages` as `routes/message.js` serves it
 * ([V] README PS-25): the same authentication, every message of the request, oldest first
 * (`sort({createdAt: 'asc'})`), as a bare JSON array, unpaged; none is `[]`.
 */
export async function startFakePingstreamsAuth(options: {
  projects: Record<string, string>;
  /** Port to listen on (default: a free one); a deployment's settings may need it fixed. */
  port?: number;
  /** The fake's clock (epoch ms) for token expiry and message times; tests move it. */
  now?: () => number;
}): Promise<FakePingstreamsAuth> {
  const requests: RecordedPingstreamsRequest[] = [];
  const now = options.now ?? Date.now;
  const issuedTokens = new Set<string>();
  const messages: PingstreamsStoredMessage[] = [];
  const conversations = new Map<string, Record<string, unknown>>();
  const messageFailures: PingstreamsFailure[] = [];
  const listFailures: PingstreamsFailure[] = [];
  let failure: { status: number; body: unknown } | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedPingstreamsRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
      };
      requests.push(recorded);
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      const unauthorized = () => {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('Unauthorized');
      };
      const text = Buffer.concat(chunks).toString('utf8');
      if (text !== '') {
        try {
          recorded.body = JSON.parse(text);
        } catch {
          return reply(400, { success: false, msg: 'malformed JSON' });
        }
      }
      if (failure) return reply(failure.status, failure.body);
      const messagesPath = /^\/([^/]+)\/requests\/([^/]+)\/messages$/.exec(req.url ?? '');
      if ((req.method === 'POST' || req.method === 'GET') && messagesPath) {
        const projectId = decodeURIComponent(messagesPath[1]!);
        const claims = botClaims(projectId, req.headers.authorization);
        if (!claims) return unauthorized();
        const requestId = decodeURIComponent(messagesPath[2]!);
        if (req.method === 'GET') return listMessages(requestId, reply);
        return postMessage(projectId, requestId, claims, recorded.body, reply);
      }
      if (req.method !== 'POST' || req.url !== '/auth/signinWithCustomToken') {
        return reply(404, { success: false, msg: 'not found' });
      }
      const match = /^jwt\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!match) return unauthorized();
      const token = match[1]!;
      const unverified = jwt.decode(token);
      if (unverified === null || typeof unverified === 'string') return unauthorized();
      if (typeof unverified.aud !== 'string') {
        return reply(400, { success: false, msg: 'JWT Aud field is required' });
      }
      const projectId = /^\/projects\/([^/]+)$/.exec(new URL(unverified.aud).pathname)?.[1];
      if (projectId === undefined) {
        return reply(400, { success: false, msg: 'JWT Aud.projectid field is required' });
      }
      const secret = options.projects[projectId];
      if (secret === undefined) return unauthorized();
      let claims: jwt.JwtPayload;
      try {
        claims = jwt.verify(token, secret, {
          algorithms: ['HS256', 'HS384', 'HS512'],
        }) as jwt.JwtPayload;
      } catch {
        return unauthorized();
      }
      recorded.claims = claims;
      const id: unknown = claims._id;
      if (claims.sub !== 'userexternal' || typeof id !== 'string') return unauthorized();
      if (!id.startsWith(`${projectId}_`)) {
        return reply(401, { success: false, msg: 'Project_user not active' });
      }
      const fullName = [claims.firstname, claims.lastname].filter(Boolean).join(' ');
      issuedTokens.add(token);
      return reply(200, {
        success: true,
        token: `JWT ${token}`,
        user: { ...claims, id, fullName },
      });
    });
  });
  /** The claims of a token this fake's exchange handed out, still valid for `projectId`. */
  function botClaims(projectId: string, authorization: string | undefined) {
    const token = /^jwt\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const secret = options.projects[projectId];
    if (token === undefined || !issuedTokens.has(token) || secret === undefined) return undefined;
    try {
      return jwt.verify(token, secret, {
        algorithms: ['HS256', 'HS384', 'HS512'],
        clockTimestamp: Math.floor(now() / 1000),
      }) as jwt.JwtPayload;
    } catch {
      return undefined;
    }
  }
  function listMessages(requestId: string, reply: Reply): void {
    const injected = listFailures.shift();
    if (injected) return replyFailure(injected, reply);
    const ofRequest = messages.filter((m) => m.recipient === requestId);
    return reply(200, ofRequest);
  }
  function replyFailure(injected: PingstreamsFailure, reply: Reply): void {
    return reply(
      injected.status,
      injected.body ?? { success: false, msg: 'injected failure' },
      injected.retryAfter !== undefined ? { 'retry-after': injected.retryAfter } : {},
    );
  }
  function postMessage(
    projectId: string,
    requestId: string,
    claims: jwt.JwtPayload,
    body: unknown,
    reply: Reply,
  ): void {
    const injected = messageFailures.shift();
    if (injected) return replyFailure(injected, reply);
    const fields = (body ?? {}) as Record<string, unknown>;
    const type = typeof fields.type === 'string' ? fields.type : 'text';
    if (type === 'text' && (typeof fields.text !== 'string' || fields.text === '')) {
      return reply(422, { errors: ['text field is required'] });
    }
    const at = new Date(now()).toISOString();
    const sender = String(claims._id);
    const fullName = [claims.firstname, claims.lastname].filter(Boolean).join(' ');
    const message: PingstreamsStoredMessage = {
      _id: randomBytes(12).toString('hex'),
      sender,
      senderFullname:
        typeof fields.senderFullname === 'string' ? fields.senderFullname : fullName || 'Guest',
      recipient: requestId,
      type,
      channel_type: 'group',
      text: typeof fields.text === 'string' ? fields.text : '',
      channel: { name: 'chat21' },
      id_project: projectId,
      status: typeof fields.status === 'number' ? fields.status : 0,
      ...(isObject(fields.attributes) && { attributes: fields.attributes }),
      ...(isObject(fields.metadata) && { metadata: fields.metadata }),
      createdBy: sender,
      createdAt: at,
      updatedAt: at,
      __v: 0,
    };
    messages.push(message);
    const conversation = conversations.get(requestId) ?? {
      _id: randomBytes(12).toString('hex'),
      request_id: requestId,
      id_project: projectId,
      first_text: message.text,
      status: 100,
      workingStatus: 'new',
      participants: [],
      messages_count: 0,
      createdAt: at,
    };
    conversation.messages_count = (conversation.messages_count as number) + 1;
    conversation.updatedAt = at;
    conversations.set(requestId, conversation);
    return reply(200, { ...message, request: conversation });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    failWith: (next) => {
      failure = next;
    },
    failNextMessageCalls: (count, next) => {
      for (let i = 0; i < count; i += 1) messageFailures.push(next);
    },
    failNextListCalls: (count, next) => {
      for (let i = 0; i < count; i += 1) listFailures.push(next);
    },
    revokeTokens: () => issuedTokens.clear(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
