import type { Bridges } from '../core/bridges';
import type { IngestDeps } from '../core/ingest';
import type { EventStore } from '../core/ports';
import type { ProviderRegistry } from '../core/provider-registry';
import { DynamoEventStore } from '../infra/dynamo-event-store';
import { PROVIDERS } from '../providers';
import { createBaseRuntime, setBaseRuntime, type BaseRuntime } from './base-runtime';
import { loadBridgesFile } from './bridges-file';
import { loadStoreConfig } from './config';

/** Everything a handler needs, built once per container from the environment. */
export interface Runtime extends BaseRuntime, IngestDeps {
  providers: ProviderRegistry;
  store: EventStore;
  bridges: Bridges;
}

export function createRuntime(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Runtime> = {},
): Runtime {
  const storeConfig = loadStoreConfig(env);
  const base = createBaseRuntime(env, overrides);
  const providers = overrides.providers ?? PROVIDERS;
  return {
    ...base,
    providers,
    store:
      overrides.store ??
      new DynamoEventStore({
        client: base.dynamo,
        tableName: storeConfig.eventsTable,
        retentionDays: storeConfig.retentionDays,
      }),
    bridges: overrides.bridges ?? loadBridgesFile(env),
    botIdentities: overrides.botIdentities ?? providers.botIdentities(base.secrets),
  };
}

let current: Runtime | undefined;

/** The container's runtime, created on first use; tests and the local runtime may replace it. */
export function getRuntime(): Runtime {
  if (current === undefined) setRuntime(createRuntime());
  return current!;
}

export function setRuntime(runtime: Runtime | undefined): void {
  current = runtime;
  setBaseRuntime(runtime);
}
