import { resolve } from 'node:path';
import { ENV_VARS, SECRET_ENV_VARS, type EnvName } from '../../functions/definitions/env-names';
import { PROVIDERS } from '../../functions/providers';
import { DEFAULT_DATA_DIR, DEV_SECRET_NAMES } from './dev-config';

/** Variables only the local runtime reads. */
export const LOCAL_ENV_VARS = {
  PORT: 'HTTP API + Lambda Invoke port of the local runtime (default 3000)',
  WS_PORT: 'WebSocket API + @connections port of the local runtime (default 3001)',
  LOCAL_DATA_DIR: `data folder of the local runtime (default ${DEFAULT_DATA_DIR}; --memory keeps nothing)`,
} as const;

/** Set by the local runtime itself; listed so nobody sets them by hand. */
const SET_LOCALLY: Partial<Record<EnvName, string>> = {
  EVENTS_TABLE: 'set by the local runtime',
  STATE_TABLE: 'set by the local runtime',
  WS_MANAGEMENT_ENDPOINT: 'set by the local runtime',
  DEAD_LETTER_QUEUE_URL: 'set by the local runtime (local SQS)',
  WEBSOCKET_URL: 'set by the local runtime',
  CONSOLE_PAGE_FILE: 'set by the local runtime (built at start-up)',
  PROVIDER_SECRETS_ARN: 'AWS only; locally secrets come from this file',
  ALLOW_LOOPBACK_HTTP: 'set to true by the local runtime',
};

/**
 * `.env.example`, rendered from ENV_VARS so it can never miss a variable: every line is
 * commented out, with what the variable is for.
 */
export function renderEnvExample(): string {
  const lines = [
    '# chat-bridge configuration. Copy to .env for `npm start`; every variable is optional locally.',
    '# Rendered from functions/definitions/env-names.ts and the provider modules by `npx tsx local/tooling/env-example.ts > .env.example`.',
    '',
  ];
  const bridgeOwn = Object.entries(ENV_VARS).map(([name, description]) => ({
    name,
    description,
    secret: (SECRET_ENV_VARS as readonly string[]).includes(name),
  }));
  const providers = Object.entries(PROVIDERS.settings()).map(([name, setting]) => ({
    name,
    description: setting.description,
    secret: setting.secret === true,
  }));
  for (const { name, description, secret } of [...bridgeOwn, ...providers]) {
    const notes = [description];
    if ((DEV_SECRET_NAMES as readonly string[]).includes(name)) {
      notes.push('local default: generated and kept in the data folder');
    } else if (secret) {
      notes.push('secret');
    }
    const setLocally = SET_LOCALLY[name as EnvName];
    if (setLocally) notes.push(setLocally);
    lines.push(`# ${notes.join('; ')}`, `# ${name}=`, '');
  }
  lines.push('# --- local runtime only ---', '');
  for (const [name, comment] of Object.entries(LOCAL_ENV_VARS)) {
    lines.push(`# ${comment}`, `# ${name}=`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.stdout.write(renderEnvExample());
}
