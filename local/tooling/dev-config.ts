import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DEFAULT_DATA_DIR = '.local-data';
export const DEV_SECRETS_FILE = 'dev-secrets.json';
export const STREAM_FAILURES_FILE = 'stream-failures.jsonl';

/**
 * Secrets the local runtime generates when they are not set, so `npm start` needs no
 * configuration: the app JWT secret and the keys the webhook URLs carry.
 */
export const DEV_SECRET_NAMES = [
  'APP_JWT_SECRET',
  'GITPLE_WEBHOOK_KEY',
  'PINGSTREAMS_WEBHOOK_SECRET',
  'TIGERCONNECT_WEBHOOK_KEY',
] as const;

export type DevSecretName = (typeof DEV_SECRET_NAMES)[number];

export interface DevSecret {
  name: DevSecretName;
  value: string;
  /** environment (.env included), the data folder of an earlier run, or generated now. */
  source: 'environment' | 'data folder' | 'generated';
}

/**
 * Read `.env` into process.env when it exists. Variables already set win, so a value given on
 * the command line is never overridden by the file.
 */
export function loadDotEnv(path = resolve('.env')): string | undefined {
  if (!existsSync(path)) return undefined;
  process.loadEnvFile(path);
  return path;
}

export function devSecretsPath(dataDir: string): string {
  return join(dataDir, DEV_SECRETS_FILE);
}

export function readDevSecrets(dataDir: string): Partial<Record<DevSecretName, string>> {
  try {
    return JSON.parse(readFileSync(devSecretsPath(dataDir), 'utf8')) as Partial<
      Record<DevSecretName, string>
    >;
  } catch {
    return {};
  }
}

/**
 * Each dev secret from the environment, else from the data folder, else generated — and a
 * generated one is written to the data folder, so `npm start` and `npm run token` agree
 * across restarts. Without a data folder (`--memory`) generated secrets live for this run only.
 */
export function resolveDevSecrets(options: {
  env: NodeJS.ProcessEnv;
  dataDir?: string;
}): DevSecret[] {
  const saved = options.dataDir ? readDevSecrets(options.dataDir) : {};
  const secrets = DEV_SECRET_NAMES.map((name): DevSecret => {
    const fromEnv = options.env[name];
    if (fromEnv) return { name, value: fromEnv, source: 'environment' };
    const fromFolder = saved[name];
    if (fromFolder) return { name, value: fromFolder, source: 'data folder' };
    const bytes = name === 'APP_JWT_SECRET' ? 32 : 18;
    return { name, value: randomBytes(bytes).toString('base64url'), source: 'generated' };
  });
  const generated = secrets.filter((secret) => secret.source === 'generated');
  if (options.dataDir && generated.length > 0) {
    mkdirSync(options.dataDir, { recursive: true });
    const merged = { ...saved };
    for (const secret of generated) merged[secret.name] = secret.value;
    writeFileSync(devSecretsPath(options.dataDir), `${JSON.stringify(merged, null, 2)}\n`, {
      mode: 0o600,
    });
  }
  return secrets;
}
