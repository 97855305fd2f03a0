import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

export interface RecordedGitpleRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FakeGitplePlatform {
  /** Give this as GITPLE_HOST (an http base is allowed for local tests). */
  url: string;
  requests: RecordedGitpleRequest[];
  users: Map<string, { user_id: string; name: string }>;
  /** Answer every request with this status and body until cleared. */
  failWith(failure: { status: number; body: unknown } | undefined): void;
  close(): Promise<void>;
}

/**
 * A stand-in for the Gitple Live platform API: `APP_ID` / `APP_API_KEY` headers,
 * `POST /v1/users/{id}/token` with `{expires_at}` answering `{token, expires_at}` where the
 * token is a JWT with `user_id`, `iat`, `exp` in milliseconds (what the SDK reads), and
 * `POST /v1/users` with `{user_id, name}`. Unknown users get 404; the user-creation endpoint
 * and the error bodies (`{code, name, message}`) are inferred, see providers.md.
 */
export async function startFakeGitplePlatform(options: {
  appId: string;
  apiKey: string;
  users?: string[];
}): Promise<FakeGitplePlatform> {
  const requests: RecordedGitpleRequest[] = [];
  const users = new Map((options.users ?? []).map((id) => [id, { user_id: id, name: id }]));
  let failure: { status: number; body: unknown } | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      const path = req.url ?? '';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (failure) return reply(failure.status, failure.body);
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
          'fake-gitple-signing-key',
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    users,
    failWith: (next) => {
      failure = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
