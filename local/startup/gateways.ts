import { localCorsOrigins } from '../gateway/cors';
import { createHttpGateway } from '../gateway/http-gateway';
import { createWsGateway } from '../gateway/ws-gateway';
import type { FunctionHost } from '../lambda/function-host';
import { closeServer, listen } from '../tooling/net';
import type { Closers } from './closers';
import type { LocalSettings } from './options';

/** The HTTP API (with the Lambda Invoke API) and the WebSocket API with `@connections`. */
export async function startGateways(
  settings: LocalSettings,
  functionHost: FunctionHost,
  closers: Closers,
) {
  const { options, host, log, region, stage, baseEnv } = settings;
  const httpServer = createHttpGateway({
    routes: settings.httpRoutes,
    host: functionHost,
    log,
    region,
    corsAllowedOrigins: localCorsOrigins(baseEnv.CORS_ALLOWED_ORIGINS),
  });
  const ws = createWsGateway({
    routes: settings.wsRoutes,
    host: functionHost,
    log,
    stage,
    idleTimeoutMs: options.idleTimeoutMs,
    maxConnectionMs: options.maxConnectionMs,
  });
  const [httpPort, wsPort] = await Promise.all([
    listen(httpServer, options.port ?? 3000, host).then((port) => {
      closers.add(() => closeServer(httpServer));
      return port;
    }),
    listen(ws.server, options.wsPort ?? 3001, host).then((port) => {
      closers.add(() => ws.close());
      return port;
    }),
  ]);
  return {
    httpUrl: `http://${host}:${httpPort}`,
    wsUrl: `ws://${host}:${wsPort}`,
    managementEndpoint: `http://${host}:${wsPort}/${stage}`,
  };
}
