import type { Invoker } from '../lambda/function-host';
import { apiGatewayId } from '../lambda/aws-ids';
import type { LocalLog } from '../tooling/log';
import type { Connection } from './ws-connections';
import { messageEvent } from './ws-events';

/** What routing a frame needs from the gateway: its routes by route key and the function host. */
export interface FrameRouting {
  host: Invoker;
  log: LocalLog;
  stage: string;
  apiId: string;
  routes: ReadonlyMap<string, string>;
}

/**
 * One frame of an open connection: routed on `$request.body.action` (falling back to
 * `$default`), the route's function invoked, and its `body`, if any, sent back.
 */
export async function routeFrame(
  frames: FrameRouting,
  connection: Connection,
  data: Buffer,
  isBinary: boolean,
) {
  const { host, log, stage, apiId, routes } = frames;
  const routeKey = selectRoute(routes, data, isBinary);
  const requestId = apiGatewayId();
  if (!routeKey) {
    log.info('ws', `message ${connection.connectionId} -> no route`, { requestId });
    sendIfOpen(
      connection,
      JSON.stringify({ message: 'Forbidden', connectionId: connection.connectionId, requestId }),
    );
    return;
  }
  const started = performance.now();
  // Frames of one connection get strictly increasing times, in arrival order: API Gateway's
  // has ms resolution, and the send order gate sorts on it (ties by request id).
  const now = Math.max(Date.now(), (connection.lastRequestEpoch ?? 0) + 1);
  connection.lastRequestEpoch = now;
  const event = messageEvent({ connection, stage, apiId, routeKey, data, isBinary, now });
  const outcome = await host.invoke(routes.get(routeKey)!, event);
  const ms = Math.round(performance.now() - started);
  if (!outcome.ok) {
    log.warn('ws', `message ${connection.connectionId} -> ${routeKey} failed ${ms}ms`, {
      requestId: event.requestContext.requestId,
    });
    sendIfOpen(
      connection,
      JSON.stringify({
        message: 'Internal server error',
        connectionId: connection.connectionId,
        requestId: event.requestContext.requestId,
      }),
    );
    return;
  }
  log.info('ws', `message ${connection.connectionId} -> ${routeKey} ${ms}ms`, {
    requestId: event.requestContext.requestId,
  });
  const reply = replyBody(outcome.result);
  if (reply !== undefined) sendIfOpen(connection, reply);
}

function selectRoute(
  routes: ReadonlyMap<string, string>,
  data: Buffer,
  isBinary: boolean,
): string | undefined {
  if (!isBinary) {
    try {
      const parsed: unknown = JSON.parse(data.toString('utf8'));
      const action = (parsed as { action?: unknown } | null)?.action;
      if (typeof action === 'string' && routes.has(action) && !action.startsWith('$'))
        return action;
    } catch {
      // Not JSON: only $default can take it.
    }
  }
  return routes.has('$default') ? '$default' : undefined;
}

function replyBody(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || !('body' in result)) return undefined;
  const body = (result as { body: unknown }).body;
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function sendIfOpen(connection: Connection, data: string) {
  if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(data);
}
