import type { Bridges } from '../core/bridges';
import { BridgeRuleEngine } from '../core/bridge-rule-engine';
import { CachedBridgeSource, staticBridgeSource, type BridgeSource } from '../core/bridge-source';
import type { BridgeStore } from '../core/bridge-store';
import type { IngestDeps } from '../core/ingest';
import type { EventStore } from '../core/ports';
import type { ProviderRegistry } from '../core/provider-registry';
import { DynamoBridgeStore } from '../infra/dynamo-bridge-store';
import { DynamoEventStore } from '../infra/dynamo-event-store';
import { PROVIDERS } from '../providers';
import { createBaseRuntime, setBaseRuntime, type BaseRuntime } from './base-runtime';
import { loadBridgesDocument } from './bridges-file';
import { loadStoreConfig, positiveIntEnv, requireEnv } from './config';

/**
 * Everything a handler needs, built once per container from the environment. Bridges are not
 * here as a value: they change at run time, so each invocation takes a snapshot from
 * `bridgeSource` at its entry (`withBridges`).
 */
export interface Runtime extends BaseRuntime, Omit<IngestDeps, 'bridges'> {
  providers: ProviderRegistry;
  store: EventStore;
  bridgeSource: BridgeSource;
  /** The bridges table; absent when the runtime was given fixed bridges (unit tests). */
  bridgeStore?: BridgeStore;
}

export function createRuntime(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Runtime> & { bridges?: Bridges } = {},
): Runtime {
  const storeConfig = loadStoreConfig(env);
  const base = createBaseRuntime(env, overrides);
  const providers = overrides.providers ?? PROVIDERS;
  const { bridges: fixed, ...rest } = overrides;
  const runtime: Runtime = {
    ...base,
    providers,
    store:
      rest.store ??
      new DynamoEventStore({
        client: base.dynamo,
        tableName: storeConfig.eventsTable,
        retentionDays: storeConfig.retentionDays,
      }),
    bridgeSource: rest.bridgeSource ?? staticBridgeSource(fixed!),
    botIdentities: rest.botIdentities ?? providers.botIdentities(base.secrets),
    ...(rest.rules && { rules: rest.rules }),
    ...(rest.bridgeStore && { bridgeStore: rest.bridgeStore }),
  };
  if (fixed !== undefined || rest.bridgeSource !== undefined) return runtime;

  // The file is still read (and validated) by every container: its rules run here, while its
  // bridges reach the table by seeding (the stack's custom resource, or `npm start`).
  const document = loadBridgesDocument(env);
  const bridgeStore =
    rest.bridgeStore ?? new DynamoBridgeStore(base.dynamo, requireEnv(env, 'BRIDGES_TABLE'));
  const bridgeSource = new CachedBridgeSource(bridgeStore, {
    ttlMs: positiveIntEnv(env, 'BRIDGES_CACHE_TTL_MS', 2000),
    log: base.log,
  });
  const rules = new BridgeRuleEngine(document.rules, {
    store: bridgeStore,
    source: bridgeSource,
    formats: providers.channelIdFormats(),
    creation: providers.channelCreation(),
    settings: () => base.secrets.load(),
    log: base.log,
    metrics: base.metrics,
  });
  return {
    ...runtime,
    bridgeStore,
    bridgeSource,
    ...(!rules.empty && !rest.rules && { rules }),
  };
}

/**
 * The runtime with this invocation's bridges snapshot: what ingest, the client actions and
 * the token issuer read synchronously. `required` are bridge ids about to be looked up.
 */
export async function withBridges(
  runtime: Runtime,
  required: readonly string[] = [],
): Promise<Runtime & { bridges: Bridges }> {
  return { ...runtime, bridges: await runtime.bridgeSource.current(required) };
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
