import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import jwt from 'jsonwebtoken';
import type { HttpResult } from '../../functions/http/middleware';

export const APP_SECRET = 'test-app-jwt-secret-0123456789abcdef';
export const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';

/** An HS256 app JWT as a customer's auth server would issue it. */
export function appToken(
  claims: Record<string, unknown> = {},
  options: { secret?: string; expiresIn?: number; algorithm?: jwt.Algorithm } = {},
): string {
  return jwt.sign({ sub: 'user-42', name: 'Ana Silva', ...claims }, options.secret ?? APP_SECRET, {
    algorithm: options.algorithm ?? 'HS256',
    expiresIn: options.expiresIn ?? 300,
  });
}

/** An API Gateway HTTP API (v2) event, as the local runtime and AWS both deliver it. */
export function httpEvent(options: {
  method?: string;
  path: string;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  return {
    version: '2.0',
    routeKey: `${method} ${options.path}`,
    rawPath: options.path,
    rawQueryString: '',
    headers: options.headers ?? {},
    ...(options.pathParameters && { pathParameters: options.pathParameters }),
    ...(options.body !== undefined && { body: options.body }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: `${method} ${options.path}`,
      stage: '$default',
      time: '02/May/2024:10:00:00 +0000',
      timeEpoch: 1714644000000,
    },
  };
}

const context = {
  functionName: 'test',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

export async function invoke(
  handler: unknown,
  event: APIGatewayProxyEventV2,
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  const result = await (handler as Handler)(event, context);
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, unknown>,
    body: JSON.parse(result.body ?? '{}') as Record<string, unknown>,
  };
}

/** `POST /tokens/{provider}` with a Bearer app JWT and a JSON body. */
export function tokenRequest(provider: string, body: unknown, token?: string) {
  return httpEvent({
    path: `/tokens/${provider}`,
    pathParameters: { provider },
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
}

/** A JWKS endpoint on loopback whose key set can change (key rotation) and counts fetches. */
export async function startJwksServer(initial: { keys: unknown[] }) {
  let current = initial;
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(current));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    setKeys: (next: { keys: unknown[] }) => {
      current = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
