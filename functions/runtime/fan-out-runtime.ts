import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import {
  createManagementClient,
  DEFAULT_FAN_OUT,
  type FanOutOptions,
} from '../infra/api-gateway-broadcaster';
import { getBaseRuntime, type BaseRuntime } from './base-runtime';
import { positiveIntEnv, requireEnv } from './config';

/** What FanOut needs: the management API client and the post concurrency; no table, no secret. */
export interface FanOutRuntime {
  base: BaseRuntime;
  client: ApiGatewayManagementApiClient;
  fanOut: FanOutOptions;
}

/** The fan-out settings every function that posts to connections reads alike. */
export function fanOutOptionsOf(env: NodeJS.ProcessEnv): FanOutOptions {
  return {
    concurrency: positiveIntEnv(env, 'FANOUT_CONCURRENCY', DEFAULT_FAN_OUT.concurrency),
    timeoutMs: positiveIntEnv(env, 'FANOUT_TIMEOUT_MS', DEFAULT_FAN_OUT.timeoutMs),
  };
}

let current: FanOutRuntime | undefined;

/** Rebuilt when the base runtime is replaced (tests, the local runtime's reloads). */
export function getFanOutRuntime(): FanOutRuntime {
  const base = getBaseRuntime();
  if (current?.base !== base) {
    const fanOut = fanOutOptionsOf(base.env);
    current = {
      base,
      fanOut,
      client: createManagementClient(requireEnv(base.env, 'WS_MANAGEMENT_ENDPOINT'), fanOut),
    };
  }
  return current;
}
