import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseBridgesConfig, type Bridges } from '../core/bridges';
import { ConfigError } from '../core/errors';
import { DEFAULT_EVENT_RETENTION_DAYS } from '../definitions/tables';

/** Read a required variable, failing fast with its name. */
export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigError(`environment variable ${name} is required`);
  }
  return value;
}

export function positiveIntEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`environment variable ${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

/** BRIDGES_FILE is resolved against the Lambda task root on AWS and the cwd locally. */
export function loadBridgesFile(env: NodeJS.ProcessEnv = process.env): Bridges {
  const file = env.BRIDGES_FILE || 'bridges.json';
  const base = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const path = isAbsolute(file) ? file : resolve(base, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`BRIDGES_FILE: cannot read ${path}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`BRIDGES_FILE: ${path} is not valid JSON`, { cause: error });
  }
  return parseBridgesConfig(json, file);
}

export interface StoreConfig {
  eventsTable: string;
  stateTable: string;
  retentionDays: number;
}

export function loadStoreConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  return {
    eventsTable: requireEnv(env, 'EVENTS_TABLE'),
    stateTable: requireEnv(env, 'STATE_TABLE'),
    retentionDays: positiveIntEnv(env, 'EVENT_RETENTION_DAYS', DEFAULT_EVENT_RETENTION_DAYS),
  };
}

/** Bot identities per provider: their posts are echoes even if a marker was stripped. */
export function loadBotUserIds(env: NodeJS.ProcessEnv = process.env) {
  const ids = (name: string) => (env[name] ? [env[name]] : []);
  return {
    ivs: ids('IVS_BOT_USER_ID'),
    gitple: ids('GITPLE_BOT_USER_ID'),
    pingstreams:
      env.PINGSTREAMS_BOT_USER_ID && env.PINGSTREAMS_PROJECT_ID
        ? [
            env.PINGSTREAMS_BOT_USER_ID,
            `${env.PINGSTREAMS_PROJECT_ID}_${env.PINGSTREAMS_BOT_USER_ID}`,
          ]
        : ids('PINGSTREAMS_BOT_USER_ID'),
    tigerconnect: ids('TIGERCONNECT_BOT_USER_ID'),
  };
}
