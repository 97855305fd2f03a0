import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';
import { DEFAULT_DATA_DIR, devSecretsPath, loadDotEnv, readDevSecrets } from './dev-config';
import { readRuntimeFile, runtimeFilePath } from './runtime-file';

const USAGE = `Usage: npm run token -- --sub <user id> [--name <display name>] [--roles a,b]
                        [--bridges id1,id2] [--ttl <seconds>] [--data <dir>]

Prints a dev app JWT (HS256) signed with the secret the running \`npm start\` verifies with
(read from <data>/runtime.json, --memory included); with no runtime running, with
APP_JWT_SECRET from the environment or .env, else the dev secret kept in the data folder.
Only the token goes to stdout:
  TOKEN=$(npm run -s token -- --sub alice --roles moderator)`;

export interface DevTokenClaims {
  sub: string;
  name?: string;
  roles: string[];
  bridges?: string[];
  ttlSeconds: number;
}

/** Sign an app JWT the bridge accepts: HS256, `exp`, plus iss/aud when they are configured. */
export function signDevToken(
  claims: DevTokenClaims,
  secret: string,
  env: NodeJS.ProcessEnv,
): string {
  return jwt.sign(
    {
      name: claims.name ?? claims.sub,
      roles: claims.roles,
      ...(claims.bridges && { bridges: claims.bridges }),
    },
    secret,
    {
      algorithm: 'HS256',
      subject: claims.sub,
      expiresIn: claims.ttlSeconds,
      ...(env.APP_JWT_ISSUER && { issuer: env.APP_JWT_ISSUER }),
      ...(env.APP_JWT_AUDIENCE && { audience: env.APP_JWT_AUDIENCE }),
    },
  );
}

/**
 * The secret `npm start` verifies with: the running runtime's own (it may differ from what
 * this shell sees, e.g. generated for a `--memory` run), else the environment's, else the data
 * folder's dev secret (what the next `npm start` will use).
 */
export function devTokenSecret(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): { secret: string; from: string } | undefined {
  const running = readRuntimeFile(dataDir)?.appJwtSecret;
  if (running) return { secret: running, from: runtimeFilePath(dataDir) };
  if (env.APP_JWT_SECRET) return { secret: env.APP_JWT_SECRET, from: 'APP_JWT_SECRET' };
  const stored = readDevSecrets(dataDir).APP_JWT_SECRET;
  return stored ? { secret: stored, from: devSecretsPath(dataDir) } : undefined;
}

function list(value: string[] | undefined): string[] {
  return (value ?? [])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

const TOKEN_OPTIONS = {
  sub: { type: 'string' },
  name: { type: 'string' },
  roles: { type: 'string', multiple: true },
  bridges: { type: 'string', multiple: true },
  ttl: { type: 'string', default: '3600' },
  data: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function main(): void {
  loadDotEnv();
  let parsed;
  try {
    parsed = parseArgs({ options: TOKEN_OPTIONS, strict: true });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.sub) {
    console.error(`--sub is required\n\n${USAGE}`);
    process.exit(2);
  }
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    console.error(`--ttl must be a positive number of seconds, got "${values.ttl}"`);
    process.exit(2);
  }
  const dataDir = resolve(values.data ?? (process.env.LOCAL_DATA_DIR || DEFAULT_DATA_DIR));
  const found = devTokenSecret(process.env, dataDir);
  if (!found) {
    console.error(
      `No APP_JWT_SECRET: start the runtime (\`npm start\`, which generates one), or set ` +
        'APP_JWT_SECRET in the environment or .env.',
    );
    process.exit(1);
  }
  const { secret } = found;
  const bridges = list(values.bridges);
  const token = signDevToken(
    {
      sub: values.sub,
      ...(values.name && { name: values.name }),
      roles: list(values.roles),
      ...(bridges.length > 0 && { bridges }),
      ttlSeconds,
    },
    secret,
    process.env,
  );
  console.log(token);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
