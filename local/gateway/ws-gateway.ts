import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { apiGatewayId } from '../lambda/aws-ids';
import { handleConnectionsRequest, isConnectionsPath, MAX_MESSAGE_BYTES } from './connections-api';
import type { Invoker, RequestAuthorizer } from '../lambda/function-host';
import type { LocalLog } from '../tooling/log';
import { closeServer, sourceIp } from '../tooling/net';
import { ConnectionRegistry, type Connection } from './ws-connections';
import { connectEvent, disconnectEvent, requestHeaders } from './ws-events';
import { routeFrame, type FrameRouting } from './ws-frames';
import { problemAnswer } from './gateway-problem';
import { connectAnswer, internalProblem, refusalAnswer, refuse } from './ws-refusal';

export const IDLE_TIMEOUT_MS = 10 * 60_000;
export const MAX_CONNECTION_MS = 2 * 60 * 60_000;

/** A WebSocket route as WS_ROUTES declares one: `$connect`, `$disconnect`, `$default` or an action. */
export interface WsRouteSpec {
  routeKey: string;
  function: string;
}

export interface WsGatewayOptions {
  routes: readonly WsRouteSpec[];
  host: Invoker;
  log: LocalLog;
  stage: string;
  apiId?: string;
  /**
   * Checks each `@connections` call's `execute-api:ManageConnections` on
   * `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/@connections/<id>`
   * (the AWS profile; the local runtime checks none).
   */
  authorize?: { check: RequestAuthorizer; region: string; accountId: string };
  idleTimeoutMs?: number;
  maxConnectionMs?: number;
}

export interface WsGateway {
  server: Server;
  registry: ConnectionRegistry;
  close(): Promise<void>;
}

/**
 * API Gateway WebSocket API emulation: `$connect` decides the upgrade, frames are routed on
 * `$request.body.action` (falling back to `$default`), `$disconnect` runs on every close
 * (client, DELETE, idle timeout, maximum duration, oversize frame), and the `@connections`
 * API shares the port under the stage path.
 *
 * Route responses: API Gateway only sends a function's answer back when the route has a
 * route response configured. Locally, a route function that returns a `body` always has it
 * sent to the caller — the one simplification; functions that push with `@connections`
 * behave identically in both places.
 */
export function createWsGateway(options: WsGatewayOptions): WsGateway {
  const { host, log, stage } = options;
  const apiId = options.apiId ?? 'local';
  const registry = new ConnectionRegistry();
  const routes = new Map(options.routes.map((route) => [route.routeKey, route.function]));
  const pendingDisconnects = new Set<Promise<unknown>>();
  const protocols = new WeakMap<IncomingMessage, string>();
  const frameRouting: FrameRouting = { host, log, stage, apiId, routes };
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (_offered, request) => protocols.get(request) ?? false,
  });

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    if (!isConnectionsPath(path)) {
      const answer = problemAnswer(
        426,
        'upgrade-refused',
        'Upgrade required',
        `This is the WebSocket API: connect with a WebSocket client to ws://<host>/?token=<app JWT> (or /${stage}).`,
      );
      response
        .writeHead(426, { 'content-type': 'application/problem+json', upgrade: 'websocket' })
        .end(answer.body);
      return;
    }
    const authorize = options.authorize && { ...options.authorize, apiId };
    handleConnectionsRequest({
      request,
      response,
      registry,
      stage,
      log,
      disconnect,
      authorize,
    }).catch((error: unknown) => {
      log.error('conn', '@connections request failed inside the local gateway', { error });
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    connect(request, socket, head).catch((error: unknown) => {
      log.error('ws', 'connect failed inside the local gateway', { error });
      refuse(socket, internalProblem());
    });
  });

  async function connect(request: IncomingMessage, socket: Duplex, head: Buffer) {
    // A client that gives up while $connect runs must not crash the process.
    socket.on('error', () => undefined);
    const path = (request.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
    if (path !== '' && path !== `/${stage}`) {
      refuse(
        socket,
        problemAnswer(
          404,
          'no-route',
          'Not found',
          `The WebSocket API is at / or /${stage} (with ?token=<app JWT>), not ${path}.`,
        ),
      );
      log.info('ws', `connect refused 404 (path ${path})`);
      return;
    }
    const now = Date.now();
    const { headers } = requestHeaders(request);
    const base: Omit<Connection, 'socket'> = {
      connectionId: apiGatewayId(),
      connectedAt: now,
      lastActiveAt: now,
      sourceIp: sourceIp(request),
      userAgent: request.headers['user-agent'] ?? '',
      headers,
      // With its port, unlike AWS: `http://${domainName}/${stage}` then reaches this gateway.
      domainName: request.headers.host ?? 'localhost',
    };
    const connectFunction = routes.get('$connect');
    if (connectFunction) {
      const event = connectEvent({ connection: base, stage, apiId, request });
      const outcome = await host.invoke(connectFunction, event);
      if (!outcome.ok) {
        refuse(socket, internalProblem());
        log.warn('ws', `connect ${base.connectionId} refused 500 ($connect failed)`);
        return;
      }
      const answer = connectAnswer(outcome.result);
      if (answer.statusCode < 200 || answer.statusCode > 299) {
        refuse(socket, refusalAnswer(answer));
        log.info('ws', `connect ${base.connectionId} refused ${answer.statusCode}`);
        return;
      }
      if (answer.protocol) protocols.set(request, answer.protocol);
    }
    if (socket.destroyed) return;
    wss.handleUpgrade(request, socket, head, (ws) => opened(ws, base));
  }

  function opened(ws: WebSocket, base: Omit<Connection, 'socket'>) {
    const connection: Connection = { ...base, socket: ws };
    registry.add(connection);
    log.info('ws', `connect ${connection.connectionId}`, { sourceIp: connection.sourceIp });
    const idle = () => {
      clearTimeout(connection.idleTimer);
      connection.idleTimer = setTimeout(
        () => closeByGateway(connection, 1001, 'Going away (idle timeout)'),
        options.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
      );
    };
    idle();
    connection.maxTimer = setTimeout(
      () => closeByGateway(connection, 1001, 'Going away (maximum connection duration)'),
      options.maxConnectionMs ?? MAX_CONNECTION_MS,
    );
    ws.on('message', (data: RawData, isBinary: boolean) => {
      connection.lastActiveAt = Date.now();
      idle();
      void routeFrame(frameRouting, connection, toBuffer(data), isBinary);
    });
    ws.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        log.warn(
          'ws',
          `${connection.connectionId} sent a frame over ${MAX_MESSAGE_BYTES} bytes; closed 1009`,
        );
        connection.closing = { code: 1009, reason: 'Message too big' };
      } else {
        log.warn('ws', `${connection.connectionId} socket error`, { error });
      }
    });
    ws.on('close', (code: number, reason: Buffer) => onClose(connection, code, reason.toString()));
  }

  function onClose(connection: Connection, code: number, reason: string) {
    clearTimeout(connection.idleTimer);
    clearTimeout(connection.maxTimer);
    registry.remove(connection.connectionId);
    const statusCode = connection.closing?.code ?? code;
    const disconnectReason = connection.closing
      ? connection.closing.reason
      : `Client-side close frame status code ${code}${reason ? ` - ${reason}` : ''}`;
    log.info('ws', `disconnect ${connection.connectionId} ${statusCode}`, {
      reason: disconnectReason,
    });
    const disconnectFunction = routes.get('$disconnect');
    if (!disconnectFunction) return;
    const event = disconnectEvent({
      connection,
      stage,
      apiId,
      headers: connection.headers,
      statusCode,
      reason: disconnectReason,
    });
    const pending = host.invoke(disconnectFunction, event).then((outcome) => {
      if (!outcome.ok) log.warn('ws', `$disconnect of ${connection.connectionId} failed`);
    });
    pendingDisconnects.add(pending);
    void pending.finally(() => pendingDisconnects.delete(pending));
  }

  function closeByGateway(connection: Connection, code: number, reason: string) {
    if (connection.closing) return;
    connection.closing = { code, reason };
    connection.socket.close(code, reason.slice(0, 120));
  }

  function disconnect(connection: Connection) {
    closeByGateway(connection, 1000, 'Connection deleted through @connections');
  }

  return {
    server,
    registry,
    close: async () => {
      // Stop listening first: a client reconnecting during shutdown would otherwise register a
      // new connection after the sweep below and hold the server open.
      const stopped = closeServer(server);
      for (const connection of registry.all())
        closeByGateway(connection, 1001, 'Going away (local runtime stopping)');
      await waitFor(() => registry.size === 0, 1000);
      for (const connection of registry.all()) connection.socket.terminate();
      // The database closes after the gateway: a $disconnect cut off here would leave its
      // connection and subscriptions in a data folder, and the next start would post every
      // event to them until a 410 removed each (1,000 clients at Ctrl-C: ~400 left with 2 s
      // on a busy machine). A second Ctrl-C still exits at once.
      await Promise.race([Promise.allSettled([...pendingDisconnects]), delay(DISCONNECTS_MS)]);
      wss.close();
      await stopped;
    },
  };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** How long a stop waits for the $disconnect invocations of the connections it closed. */
const DISCONNECTS_MS = 15_000;

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await delay(10);
}
