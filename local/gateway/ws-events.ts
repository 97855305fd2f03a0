import type { IncomingMessage } from 'node:http';
import { apiGatewayId, apiGatewayTime } from '../lambda/aws-ids';
import type { Connection } from './ws-connections';

interface ContextBase {
  connection: Pick<
    Connection,
    'connectionId' | 'connectedAt' | 'sourceIp' | 'userAgent' | 'domainName'
  >;
  stage: string;
  apiId: string;
  now?: number;
}

function requestContext(
  base: ContextBase,
  routeKey: string,
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
) {
  const now = base.now ?? Date.now();
  const requestId = apiGatewayId();
  return {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: apiGatewayTime(now),
    messageDirection: 'IN' as const,
    stage: base.stage,
    connectedAt: base.connection.connectedAt,
    requestTimeEpoch: now,
    identity: {
      sourceIp: base.connection.sourceIp,
      ...(base.connection.userAgent && { userAgent: base.connection.userAgent }),
    },
    requestId,
    domainName: base.connection.domainName,
    connectionId: base.connection.connectionId,
    apiId: base.apiId,
  };
}

/** Original-case headers and their multi-value form, as WebSocket APIs pass them. */
export function requestHeaders(request: IncomingMessage) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!;
    const value = request.rawHeaders[i + 1]!;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

/** `$connect`: headers and the query string of the upgrade request reach the handler. */
export function connectEvent(base: ContextBase & { request: IncomingMessage }) {
  const url = new URL(base.request.url ?? '/', 'http://localhost');
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    query[key] = value;
    (multiQuery[key] ??= []).push(value);
  }
  return {
    ...requestHeaders(base.request),
    ...(Object.keys(query).length > 0 && {
      queryStringParameters: query,
      multiValueQueryStringParameters: multiQuery,
    }),
    requestContext: requestContext(base, '$connect', 'CONNECT'),
    isBase64Encoded: false,
  };
}

/** A client frame routed to `routeKey`; binary frames arrive base64. */
export function messageEvent(
  base: ContextBase & { routeKey: string; data: Buffer; isBinary: boolean },
) {
  return {
    requestContext: {
      ...requestContext(base, base.routeKey, 'MESSAGE'),
      messageId: apiGatewayId(),
    },
    body: base.isBinary ? base.data.toString('base64') : base.data.toString('utf8'),
    isBase64Encoded: base.isBinary,
  };
}

export function disconnectEvent(
  base: ContextBase & { headers: Record<string, string>; statusCode: number; reason: string },
) {
  return {
    headers: base.headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(base.headers).map(([name, value]) => [name, [value]]),
    ),
    requestContext: {
      ...requestContext(base, '$disconnect', 'DISCONNECT'),
      disconnectStatusCode: base.statusCode,
      disconnectReason: base.reason,
    },
    isBase64Encoded: false,
  };
}
