import { ConfigError } from '../core/errors';
import type { Level } from '../core/log';
import type { EnvName } from '../definitions/env-names';
import { DEFAULT_EVENT_RETENTION_DAYS } from '../definitions/tables';

/** Read a required variable, failing fast with its name. */
export function requireEnv(env: NodeJS.ProcessEnv, name: EnvName): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigError(`environment variable ${name} is required`);
  }
  return value;
}

export function positiveIntEnv(env: NodeJS.ProcessEnv, name: EnvName, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`environment variable ${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

const LOG_LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

/** LOG_LEVEL, `info` when unset; a misspelt level fails fast rather than hiding logs. */
export function logLevelOf(env: NodeJS.ProcessEnv): Level {
  const raw = env.LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError(`environment variable LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return raw as Level;
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
