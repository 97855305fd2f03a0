import type { IncomingMessage, ServerResponse } from 'node:http';
import { flatHeaders } from '../lambda/lambda-invoke';
import type { RequestAuthorizer } from '../lambda/function-host';
import type { LocalLog } from '../tooling/log';
import { BodyTooLargeError, readBody } from '../tooling/net';
import type { Connection, ConnectionRegistry } from './ws-connections';

/** API Gateway's WebSocket message limit, for both directions. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

const CONNECTIONS_PATH = /^(?:\/([^/@]+))?\/@connections\/([^/]+)\/?$/;

export function isConnectionsPath(path: string): boolean {
  return CONNECTIONS_PATH.test(path);
}

/**
 * The `@connections` management API (`POST` send, `GET` info, `DELETE` disconnect) at
 * `<endpoint>/<stage>/@connections/{id}`, answering as the real one does so the real
 * `@aws-sdk/client-apigatewaymanagementapi` works unchanged: errors carry `x-amzn-errortype`,
 * so the SDK raises `GoneException`, `PayloadTooLargeException`, ... by name.
 */
export async function handleConnectionsRequest(options: {
  request: IncomingMessage;
  response: ServerResponse;
  registry: ConnectionRegistry;
  stage: string;
  log: LocalLog;
  disconnect: (connection: Connection) => void;
  authorize?: { check: RequestAuthorizer; region: string; accountId: string; apiId: string };
}): Promise<void> {
  const { request, response, registry, log } = options;
  const started = performance.now();
  const path = (request.url ?? '/').split('?')[0]!;
  const match = CONNECTIONS_PATH.exec(path);
  const method = request.method ?? 'GET';
  const connectionId = decodeURIComponent(match?.[2] ?? '');
  const finish = (status: number, body?: unknown, errorType?: string) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (errorType) headers['x-amzn-errortype'] = errorType;
    response.writeHead(status, headers).end(body === undefined ? undefined : JSON.stringify(body));
    const ms = Math.round(performance.now() - started);
    // Successful pushes are routine (the relay sends many): shown with LOG_LEVEL=debug.
    const level = status >= 500 ? 'warn' : status >= 300 ? 'info' : 'debug';
    log[level]('conn', `${method} @connections/${connectionId} ${status} ${ms}ms`);
  };

  if (match?.[1] !== undefined && match[1] !== options.stage) {
    finish(403, { message: 'Forbidden' }, 'ForbiddenException');
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(request, MAX_MESSAGE_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    finish(
      413,
      { message: `Message too long; the limit is ${MAX_MESSAGE_BYTES} bytes` },
      'PayloadTooLargeException',
    );
    return;
  }
  if (options.authorize) {
    const { check, region, accountId, apiId } = options.authorize;
    const denied = await check(
      { method, path: request.url ?? '/', headers: flatHeaders(request), body },
      'execute-api:ManageConnections',
      `arn:aws:execute-api:${region}:${accountId}:${apiId}/${options.stage}/${method}/@connections/${connectionId}`,
    );
    if (denied !== undefined) {
      finish(403, { message: denied }, 'AccessDeniedException');
      return;
    }
  }
  const connection = registry.open(connectionId);
  if (!connection) {
    finish(410, { message: `Connection ${connectionId} is gone` }, 'GoneException');
    return;
  }
  switch (method) {
    case 'POST': {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
      const isText = Buffer.from(text, 'utf8').equals(body);
      connection.socket.send(isText ? text : body, { binary: !isText });
      finish(200);
      return;
    }
    case 'GET':
      finish(200, {
        connectedAt: new Date(connection.connectedAt).toISOString(),
        identity: {
          sourceIp: connection.sourceIp,
          ...(connection.userAgent && { userAgent: connection.userAgent }),
        },
        lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
      });
      return;
    case 'DELETE':
      options.disconnect(connection);
      finish(204);
      return;
    default:
      finish(405, { message: `${method} is not supported on @connections` });
  }
}
