import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Bridges } from '../core/bridges';
import type { IngestDeps } from '../core/ingest';
import { createLogger, type Logger } from '../core/log';
import type { EventStore, Metrics } from '../core/ports';
import { loadBotUserIds, loadBridgesFile, loadStoreConfig } from './config';
import { DynamoEventStore } from '../infra/dynamo-event-store';
import { emfMetrics } from '../infra/emf-metrics';
import { defaultSecretsSource, type SecretsSource } from '../infra/secrets';

/** Everything a handler needs, built once per container from the environment. */
export interface Runtime extends IngestDeps {
  store: EventStore;
  bridges: Bridges;
  secrets: SecretsSource;
  metrics: Metrics;
  log: Logger;
  dynamo: DynamoDBClient;
  env: NodeJS.ProcessEnv;
}

export function createRuntime(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Runtime> = {},
): Runtime {
  const storeConfig = loadStoreConfig(env);
  // The SDK reads AWS_ENDPOINT_URL_DYNAMODB itself, which is how the local runtime points
  // this same client at the embedded server.
  // Resolving the middleware stack once per command type keeps per-call CPU low, which the
  // review handler's 200 ms deadline and the relay's batches both feel.
  const dynamo = overrides.dynamo ?? new DynamoDBClient({ cacheMiddleware: true });
  return {
    dynamo,
    env,
    store:
      overrides.store ??
      new DynamoEventStore({
        client: dynamo,
        tableName: storeConfig.eventsTable,
        retentionDays: storeConfig.retentionDays,
      }),
    bridges: overrides.bridges ?? loadBridgesFile(env),
    botUserIds: overrides.botUserIds ?? loadBotUserIds(env),
    secrets: overrides.secrets ?? defaultSecretsSource(env),
    metrics: overrides.metrics ?? emfMetrics(),
    log: overrides.log ?? createLogger({ service: 'chat-bridge' }),
  };
}

let current: Runtime | undefined;

/** The container's runtime, created on first use; tests and the local runtime may replace it. */
export function getRuntime(): Runtime {
  current ??= createRuntime();
  return current;
}

export function setRuntime(runtime: Runtime | undefined): void {
  current = runtime;
}
