import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Bridges } from '../core/bridges';
import type { IngestDeps } from '../core/ingest';
import { createLogger, type Logger } from '../core/log';
import type { EventStore, Metrics } from '../core/ports';
import type { ProviderRegistry } from '../core/provider-registry';
import { PROVIDERS } from '../providers';
import { loadBridgesFile, loadStoreConfig, logLevelOf } from './config';
import { DynamoEventStore } from '../infra/dynamo-event-store';
import { emfMetrics } from '../infra/emf-metrics';
import type { SecretsSource } from '../core/secrets';
import { defaultSecretsSource } from '../infra/secrets';

/** Everything a handler needs, built once per container from the environment. */
export interface Runtime extends IngestDeps {
  providers: ProviderRegistry;
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
  const providers = overrides.providers ?? PROVIDERS;
  const secrets = overrides.secrets ?? defaultSecretsSource(env);
  return {
    providers,
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
    botIdentities: overrides.botIdentities ?? providers.botIdentities(secrets),
    secrets,
    metrics: overrides.metrics ?? emfMetrics(),
    log: overrides.log ?? createLogger({ service: 'chat-bridge' }, { level: logLevelOf(env) }),
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
