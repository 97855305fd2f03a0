import type { FunctionDefinition } from '../functions/definitions/functions';
import { setRuntime } from '../functions/runtime/runtime';
import { resolveDevSecrets, type DevSecret } from './tooling/dev-config';
import type { FunctionModule } from './lambda/function-host';
import type { RouteSpec } from './gateway/http-routes';
import type { LocalLog } from './tooling/log';
import type { StreamConsumerSpec } from './dynamo/local-stream';
import type { FailedStreamBatch, StreamSettings } from './dynamo/stream-poller';
import type { WsRouteSpec } from './gateway/ws-gateway';
import { Closers } from './startup/closers';
import { buildConsolePage } from './startup/console';
import { lockData } from './startup/data-folder';
import { startDatabase } from './startup/database';
import { localEnvironment, publishEnvironment } from './startup/environment';
import { createFunctionHost } from './startup/function-host';
import { startGateways } from './startup/gateways';
import { buildHandlersRuntime, seedBridgesFromFile } from './startup/handlers-runtime';
import { resolveOptions } from './startup/options';
import { startQueues } from './startup/queues';
import { startStreams } from './startup/streams';

export type { StreamConsumerSpec } from './dynamo/local-stream';
export { DEAD_LETTER_QUEUE_NAME } from './startup/queues';

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
 * Each step registers what it started in `closers`, so a failed step closes the ones before it.
 */
export async function startLocalBridge(options: LocalBridgeOptions = {}): Promise<LocalBridge> {
  const started = performance.now();
  const settings = resolveOptions(options);
  const { log, dataDir, baseEnv } = settings;
  const consolePageFile = buildConsolePage();
  const { functionHost, markReady } = createFunctionHost(settings);
  const closers = new Closers();
  let restoreEnv = () => {};
  try {
    await lockData(settings, closers);
    const devSecrets = resolveDevSecrets({ env: baseEnv, dataDir });
    const dynamo = await startDatabase(settings, closers);
    const stream = await startStreams(settings, dynamo, functionHost, closers);
    const queues = await startQueues(settings, closers);
    const gateways = await startGateways(settings, functionHost, closers);
    restoreEnv = publishEnvironment(
      localEnvironment(settings, {
        devSecrets,
        dynamo,
        dynamoEndpoint: stream.endpoint,
        sqsEndpoint: queues.endpoint,
        deadLetterQueueUrl: queues.deadLetterQueueUrl,
        ...gateways,
        consolePageFile: await consolePageFile,
      }),
    );
    const configError = buildHandlersRuntime(log) ?? (await seedBridgesFromFile(log));
    markReady();

    return {
      ...gateways,
      invokeEndpoint: `${gateways.httpUrl}/2015-03-31/functions/{name}/invocations`,
      dynamoEndpoint: stream.endpoint,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
      region: settings.region,
      dataDir,
      tableNames: dynamo.tableNames,
      devSecrets,
      functions: functionHost.names(),
      httpRoutes: settings.httpRoutes,
      wsRoutes: settings.wsRoutes,
      streamConsumers: settings.streamConsumers,
      streamFailures: stream.failures,
      ...(configError && { configError }),
      startupMs: Math.round(performance.now() - started),
      close: async () => {
        await closers.closeAll((error) => log.warn('local', 'shutdown step failed', { error }));
        restoreEnv();
        setRuntime(undefined);
      },
    };
  } catch (error) {
    await closers.closeAll();
    restoreEnv();
    throw error;
  }
}
