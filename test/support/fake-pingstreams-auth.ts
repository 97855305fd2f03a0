import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

export interface RecordedPingstreamsRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The custom JWT's verified claims, when it verified. */
  claims?: Record<string, unknown>;
}

export interface FakePingstreamsAuth {
  /** Give this as PINGSTREAMS_API_URL. */
  url: string;
  requests: RecordedPingstreamsRequest[];
  failWith(failure: { status: number; body: unknown } | undefined): void;
  close(): Promise<void>;
}

/**
 * A stand-in for `POST {API}/auth/signinWithCustomToken` as tiledesk-server implements it
 * (Pingstreams is Tiledesk): `Authorization: JWT <custom token>`, the secret picked by the path
 * of `aud` (`/projects/<id>`, host ignored), HS* verified, `sub` must be `userexternal` and `_id`
 * present (and, per the Pingstreams docs, prefixed with `<projectId>_`). Answers
 * `{success: true, token: "JWT <the same token>", user}` for end users, 401 otherwise.
 */
export async function startFakePingstreamsAuth(options: {
  projects: Record<string, string>;
}): Promise<FakePingstreamsAuth> {
  const requests: RecordedPingstreamsRequest[] = [];
  let failure: { status: number; body: unknown } | undefined;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const recorded: RecordedPingstreamsRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
      };
      requests.push(recorded);
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const unauthorized = () => {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('Unauthorized');
      };
      if (failure) return reply(failure.status, failure.body);
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
      return reply(200, {
        success: true,
        token: `JWT ${token}`,
        user: { ...claims, id, fullName },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failWith: (next) => {
      failure = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
