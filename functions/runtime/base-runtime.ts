import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger, type Logger } from '../core/log';
import type { Metrics } from '../core/ports';
import type { SecretsSource } from '../core/secrets';
import { emfMetrics } from '../infra/emf-metrics';
import { withoutSdkLogging } from '../infra/sdk-clients';
import { defaultSecretsSource } from '../infra/secrets';
import { logLevelOf } from './config';

/**
 * What every handler needs, and nothing that loads provider code: the WebSocket `$connect` /
 * `$disconnect` handlers are built on this alone, so their bundles stay small and cold starts
 * short. The full `Runtime` (runtime.ts) adds providers, bridges and the event store on top.
 */
export interface BaseRuntime {
  env: NodeJS.ProcessEnv;
  dynamo: DynamoDBClient;
  secrets: SecretsSource;
  metrics: Metrics;
  log: Logger;
}

export function createBaseRuntime(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<BaseRuntime> = {},
): BaseRuntime {
  return {
    env,
    // The SDK reads AWS_ENDPOINT_URL_DYNAMODB itself, which is how the local runtime points
    // this same client at the embedded server. Resolving the middleware stack once per command
    // type keeps per-call CPU low, which the review handler's 200 ms deadline and the relay's
    // batches both feel.
    dynamo: overrides.dynamo ?? withoutSdkLogging(new DynamoDBClient({ cacheMiddleware: true })),
    secrets: overrides.secrets ?? defaultSecretsSource(env),
    metrics: overrides.metrics ?? emfMetrics(),
    log: overrides.log ?? createLogger({ service: 'chat-bridge' }, { level: logLevelOf(env) }),
  };
}

let current: BaseRuntime | undefined;

/** The container's base runtime; setting the full runtime (runtime.ts) sets this too. */
export function getBaseRuntime(): BaseRuntime {
  current ??= createBaseRuntime();
  return current;
}

export function setBaseRuntime(runtime: BaseRuntime | undefined): void {
  current = runtime;
}
