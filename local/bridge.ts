import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger } from '../functions/core/log';
import type { Metrics } from '../functions/core/ports';
import {
  HTTP_ROUTES,
  STREAM_CONSUMERS,
  WS_ROUTES,
  type FunctionDefinition,
} from '../functions/definitions/functions';
import { createRuntime, setRuntime } from '../functions/runtime/runtime';
import { logLevelOf } from '../functions/runtime/config';
import { DEFAULT_DATA_DIR, resolveDevSecrets, type DevSecret } from './tooling/dev-config';
import { lockDataFolder } from './dynamo/data-lock';
import { startEmbeddedDynamo } from './dynamo/embedded-dynamo';
import { FunctionHost, type FunctionModule } from './lambda/function-host';
import { createHttpGateway } from './gateway/http-gateway';
import type { RouteSpec } from './gateway/http-routes';
import { createLocalLog, errorChain, type LocalLog } from './tooling/log';
import { closeServer, listen } from './tooling/net';
import { writeConsolePage } from './console/console-page';
import { startSqsEmulator } from './sqs/sqs-emulator';
import { startLocalStream, type StreamConsumerSpec } from './dynamo/local-stream';
import type { FailedStreamBatch, StreamSettings } from './dynamo/stream-poller';
import { createWsGateway, type WsRouteSpec } from './gateway/ws-gateway';

export type { StreamConsumerSpec } from './dynamo/local-stream';

/** The local dead-letter queue (SQS emulation) behind DEAD_LETTER_QUEUE_URL. */
export const DEAD_LETTER_QUEUE_NAME = 'chat-bridge-dead-letters';
const SQS_QUEUES_FILE = 'sqs-queues.json';

export interface LocalBridgeOptions {
  host?: string;
  /** HTTP API and Lambda Invoke port; 0 picks a free one. Default 3000. */
  port?: number;
  /** WebSocket API and `@connections` port; 0 picks a free one. Default 3001. */
  wsPort?: number;
  /** Keep nothing on disk: DynamoDB in memory, dev secrets for this run only. */
  memory?: boolean;
  /** Data folder (DynamoDB files, dev secrets, stream failures). Default `.local-data`. */
  dataDir?: string;
  /** Variables for the handlers on top of process.env (tests use it instead of `.env`). */
  env?: Record<string, string | undefined>;
  log?: LocalLog;
  /** Extra or replacement function definitions, by name. */
  functions?: Record<string, FunctionDefinition>;
  /** Handler modules by function name, used instead of importing `functions/<entry>`. */
  modules?: Record<string, FunctionModule>;
  httpRoutes?: readonly RouteSpec[];
  wsRoutes?: readonly WsRouteSpec[];
  streamConsumers?: readonly StreamConsumerSpec[];
  streamSettings?: Partial<StreamSettings>;
  /** First stream retry delay (doubling per attempt). Default 500 ms. */
  streamRetryDelayMs?: number;
  /** WebSocket idle timeout (API Gateway: 10 min) and maximum duration (2 h). */
  idleTimeoutMs?: number;
  maxConnectionMs?: number;
  /** Stage of the WebSocket API: the path of the `@connections` endpoint. Default `local`. */
  stage?: string;
  /** How long close() waits for queued stream records. Default 2 s. */
  drainTimeoutMs?: number;
}

export interface LocalBridge {
  httpUrl: string;
  wsUrl: string;
  managementEndpoint: string;
  invokeEndpoint: string;
  /** DynamoDB endpoint the handlers use (the stream-emulating proxy). */
  dynamoEndpoint: string;
  /** The dead-letter queue the relay parks failed deliveries in (local SQS). */
  deadLetterQueueUrl: string;
  region: string;
  dataDir: string | undefined;
  tableNames: Record<string, string>;
  devSecrets: DevSecret[];
  functions: string[];
  httpRoutes: readonly RouteSpec[];
  wsRoutes: readonly WsRouteSpec[];
  streamConsumers: readonly StreamConsumerSpec[];
  /** Batches the stream consumers gave up on (also in `<data>/stream-failures.jsonl`). */
  streamFailures: FailedStreamBatch[];
  /** The handlers' runtime could not be built from this configuration, and why. */
  configError?: string;
  startupMs: number;
  close(): Promise<void>;
}

/**
 * The whole bridge on loopback with the same handlers as on AWS: HTTP API, WebSocket API with
 * `@connections`, Lambda Invoke, DynamoDB (dynalite) with stream emulation driving the
 * STREAM_CONSUMERS. Everything comes from the shared definitions in functions/definitions.
 */
export async function startLocalBridge(options: LocalBridgeOptions = {}): Promise<LocalBridge> {
  const started = performance.now();
  const log = options.log ?? createLocalLog();
  const host = options.host ?? '127.0.0.1';
  const stage = options.stage ?? 'local';
  const dataDir = options.memory ? undefined : resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const baseEnv = { ...process.env, ...options.env };
  // Built while the rest starts: esbuild runs in its own process.
  const consolePageFile = writeConsolePage();
  consolePageFile.catch(() => undefined);
  const region = baseEnv.AWS_REGION || 'us-east-1';

  let markReady!: () => void;
  const ready = new Promise<void>((resolveReady) => (markReady = resolveReady));
  const functionHost = new FunctionHost({
    definitions: options.functions,
    modules: options.modules,
    region,
    log,
    ready,
  });
  const httpRoutes = options.httpRoutes ?? HTTP_ROUTES;
  const wsRoutes = options.wsRoutes ?? WS_ROUTES;
  const streamConsumers = options.streamConsumers ?? STREAM_CONSUMERS;
  for (const route of [...httpRoutes, ...wsRoutes, ...streamConsumers]) {
    if (!functionHost.has(route.function)) {
      throw new Error(
        `a route or stream consumer names "${route.function}", which FUNCTIONS does not define`,
      );
    }
  }
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const unlock = dataDir ? await lockDataFolder(dataDir) : () => undefined;
  const devSecrets = resolveDevSecrets({ env: baseEnv, dataDir });

  let dynamo: Awaited<ReturnType<typeof startEmbeddedDynamo>>;
  try {
    dynamo = await startEmbeddedDynamo({
      host,
      ...(dataDir && { path: join(dataDir, 'dynamo') }),
    });
  } catch (error) {
    unlock();
    throw error;
  }
  const closers: (() => Promise<void>)[] = [
    async () => {
      await dynamo.close();
      unlock();
    },
  ];
  const restoreEnv: Record<string, string | undefined> = {};
  try {
    const stream = await startLocalStream({
      dynamo,
      region,
      host,
      log,
      ...(dataDir && { dataDir }),
      streamConsumers,
      ...(options.streamSettings && { streamSettings: options.streamSettings }),
      invoke: (name, event) => functionHost.invoke(name, event),
      ...(options.streamRetryDelayMs !== undefined && {
        retryDelayMs: options.streamRetryDelayMs,
      }),
      ...(options.drainTimeoutMs !== undefined && { drainTimeoutMs: options.drainTimeoutMs }),
    });
    closers.unshift(() => stream.close());

    const sqs = await startSqsEmulator({
      host,
      queues: [DEAD_LETTER_QUEUE_NAME],
      ...(dataDir && { file: join(dataDir, SQS_QUEUES_FILE) }),
    });
    closers.unshift(() => sqs.close());
    const deadLetterQueueUrl = sqs.queueUrl(DEAD_LETTER_QUEUE_NAME);

    const httpServer = createHttpGateway({ routes: httpRoutes, host: functionHost, log, region });
    const ws = createWsGateway({
      routes: wsRoutes,
      host: functionHost,
      log,
      stage,
      idleTimeoutMs: options.idleTimeoutMs,
      maxConnectionMs: options.maxConnectionMs,
    });
    const [httpPort, wsPort] = await Promise.all([
      listen(httpServer, options.port ?? 3000, host).then((port) => {
        closers.unshift(() => closeServer(httpServer));
        return port;
      }),
      listen(ws.server, options.wsPort ?? 3001, host).then((port) => {
        closers.unshift(() => ws.close());
        return port;
      }),
    ]);
    const httpUrl = `http://${host}:${httpPort}`;
    const managementEndpoint = `http://${host}:${wsPort}/${stage}`;

    const localEnv: Record<string, string | undefined> = {
      ...options.env,
      AWS_REGION: region,
      BRIDGES_FILE: baseEnv.BRIDGES_FILE || 'bridges.json',
      ...Object.fromEntries(devSecrets.map((secret) => [secret.name, secret.value])),
      ...dynamo.tableNames,
      AWS_ENDPOINT_URL_DYNAMODB: stream.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
      WS_MANAGEMENT_ENDPOINT: managementEndpoint,
      WEBSOCKET_URL: `ws://${host}:${wsPort}`,
      CONSOLE_PAGE_FILE: await consolePageFile,
      // The SDK must find credentials without probing instance metadata; the local servers
      // do not check them. Real credentials, when present, are left alone for other services.
      ...(!baseEnv.AWS_ACCESS_KEY_ID &&
        !baseEnv.AWS_PROFILE && { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }),
    };
    for (const [name, value] of Object.entries(localEnv)) {
      restoreEnv[name] = process.env[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    const configError = buildRuntime(log);
    markReady();

    const bridge: LocalBridge = {
      httpUrl,
      wsUrl: `ws://${host}:${wsPort}`,
      managementEndpoint,
      invokeEndpoint: `${httpUrl}/2015-03-31/functions/{name}/invocations`,
      dynamoEndpoint: stream.endpoint,
      deadLetterQueueUrl,
      region,
      dataDir,
      tableNames: dynamo.tableNames,
      devSecrets,
      functions: functionHost.names(),
      httpRoutes,
      wsRoutes,
      streamConsumers,
      streamFailures: stream.failures,
      ...(configError && { configError }),
      startupMs: Math.round(performance.now() - started),
      close: async () => {
        for (const close of closers.splice(0)) {
          try {
            await close();
          } catch (error) {
            log.warn('local', 'shutdown step failed', { error });
          }
        }
        restore(restoreEnv);
        setRuntime(undefined);
      },
    };
    return bridge;
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    restore(restoreEnv);
    throw error;
  }
}

/**
 * The handlers' runtime from the environment just set, with their log lines and metrics routed
 * through the local log. A configuration error is reported now and left for the handlers to
 * raise again, exactly as they would on AWS.
 */
function buildRuntime(log: LocalLog): string | undefined {
  setRuntime(undefined);
  try {
    const metrics: Metrics = {
      count: (name, dimensions, value = 1) => log.debug('metric', `${name} +${value}`, dimensions),
    };
    setRuntime(
      createRuntime(process.env, {
        log: createLogger(
          { service: 'chat-bridge' },
          { level: logLevelOf(process.env), sink: (line, level) => log.handlerLine(line, level) },
        ),
        metrics,
      }),
    );
    return undefined;
  } catch (error) {
    const message = errorChain(error);
    log.error('config', `the handlers cannot start with this configuration: ${message}`);
    return message;
  }
}

function restore(saved: Record<string, string | undefined>) {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
