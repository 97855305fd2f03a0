import { isAbsolute, resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { Bridges } from '../functions/core/bridges';
import { loadBridgesFile } from '../functions/runtime/bridges-file';
import { ChatBridgeStack } from '../lib/chat-bridge-stack';
import type { BundlingMode } from '../lib/house-function';
import type { Settings } from '../lib/settings';
import { PROVIDERS } from '../functions/providers';

export const STACK_ID = 'ChatBridge';

export interface ChatBridgeAppOptions {
  app?: App;
  /** BRIDGES_FILE: relative paths resolve against `cwd`. */
  bridgesFile: string;
  cwd?: string;
  bundlingMode?: BundlingMode;
  settings?: Settings;
  /** Browser origins allowed to call the HTTP API (CORS_ALLOWED_ORIGINS). */
  corsAllowedOrigins?: readonly string[];
  /** IVS rooms run-time bridges may use beyond the file's (IVS_ROOMS). */
  ivsRooms?: readonly string[];
}

/**
 * Read and validate the bridges file at synth, with the same loader the Lambdas use, so a
 * bad field fails `cdk synth` with the field's path instead of failing in production.
 */
export function loadBridgesForSynth(
  bridgesFile: string,
  cwd = process.cwd(),
): { bridges: Bridges; path: string } {
  const path = isAbsolute(bridgesFile) ? bridgesFile : resolve(cwd, bridgesFile);
  return { bridges: loadBridgesFile({ BRIDGES_FILE: path }), path };
}

/** The app with cdk-nag's AwsSolutions and Serverless packs registered as validation plugins. */
export function buildChatBridgeApp(options: ChatBridgeAppOptions): {
  app: App;
  stack: ChatBridgeStack;
} {
  const app = options.app ?? new App();
  const { bridges, path } = loadBridgesForSynth(options.bridgesFile, options.cwd);
  const stack = new ChatBridgeStack(app, STACK_ID, {
    description: 'chat-bridge: webhooks, IVS ingest, event store, relay and WebSocket API',
    bridges,
    providers: PROVIDERS.modules,
    bridgesFile: path,
    ...(options.bundlingMode && { bundlingMode: options.bundlingMode }),
    ...(options.settings && { settings: options.settings }),
    ...(options.corsAllowedOrigins && { corsAllowedOrigins: options.corsAllowedOrigins }),
    ...(options.ivsRooms && { ivsRooms: options.ivsRooms }),
  });
  Validations.of(app).addPlugins(...nagPacks(app));
  return { app, stack };
}

export function nagPacks(app: App) {
  return [new AwsSolutionsChecks(app), new ServerlessChecks(app)];
}
