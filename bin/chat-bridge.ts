import { App } from 'aws-cdk-lib';
import { ConfigError } from '../functions/core/errors';
import { parseCorsOrigins } from '../functions/definitions/cors';
import { PROVIDERS } from '../functions/providers';
import { parseIvsRoomEntries } from '../functions/definitions/ivs-rooms';
import { dropBundlingProgress } from '../lib/quiet-bundling';
import { buildChatBridgeApp } from './app';
import { settingsFromEnv } from '../lib/settings';

/**
 * `cdk synth` / `cdk deploy` entry. BRIDGES_FILE (default bridges.json) is validated here, so
 * a bad bridge fails the synth with the field's path; plain provider settings (hosts, ids,
 * bot user ids) and CORS_ALLOWED_ORIGINS are read from the deployer's environment, secrets
 * never are.
 */
dropBundlingProgress();
try {
  buildChatBridgeApp({
    app: new App(),
    bridgesFile: process.env.BRIDGES_FILE || 'bridges.json',
    settings: settingsFromEnv(process.env, PROVIDERS.modules),
    corsAllowedOrigins: parseCorsOrigins(process.env.CORS_ALLOWED_ORIGINS),
    ivsRooms: parseIvsRoomEntries(process.env.IVS_ROOMS ?? ''),
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`chat-bridge: ${error.message}`);
  process.exitCode = 1;
}
