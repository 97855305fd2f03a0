import { resolve } from 'node:path';
import { HTTP_ROUTES, STREAM_CONSUMERS, WS_ROUTES } from '../../functions/definitions/functions';
import type { LocalBridgeOptions } from '../bridge';
import { DEFAULT_DATA_DIR } from '../tooling/dev-config';
import { createLocalLog } from '../tooling/log';

/** The options with their defaults applied: what every start-up step reads. */
export type LocalSettings = ReturnType<typeof resolveOptions>;

export function resolveOptions(options: LocalBridgeOptions) {
  const baseEnv = { ...process.env, ...options.env };
  return {
    options,
    log: options.log ?? createLocalLog(),
    host: options.host ?? '127.0.0.1',
    stage: options.stage ?? 'local',
    dataDir: options.memory ? undefined : resolve(options.dataDir ?? DEFAULT_DATA_DIR),
    baseEnv,
    region: baseEnv.AWS_REGION || 'us-east-1',
    httpRoutes: options.httpRoutes ?? HTTP_ROUTES,
    wsRoutes: options.wsRoutes ?? WS_ROUTES,
    streamConsumers: options.streamConsumers ?? STREAM_CONSUMERS,
  };
}
