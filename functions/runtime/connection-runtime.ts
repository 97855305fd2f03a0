import type { ConnectionStore } from '../core/connections';
import { DynamoConnectionStore } from '../infra/dynamo-connections';
import { getBaseRuntime, type BaseRuntime } from './base-runtime';
import { requireEnv } from './config';

/** What `$connect` and `$disconnect` need: the connection store on the base runtime. */
export interface ConnectionRuntime {
  base: BaseRuntime;
  connections: ConnectionStore;
}

let current: ConnectionRuntime | undefined;

/** Rebuilt when the base runtime is replaced (tests, the local runtime's reloads). */
export function getConnectionRuntime(): ConnectionRuntime {
  const base = getBaseRuntime();
  if (current?.base !== base) {
    current = {
      base,
      connections: new DynamoConnectionStore(base.dynamo, requireEnv(base.env, 'STATE_TABLE')),
    };
  }
  return current;
}
