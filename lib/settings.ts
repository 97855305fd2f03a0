import { ENV_VARS, SECRET_ENV_VARS, type EnvName } from '../functions/definitions/env-names';
import { TABLES } from '../functions/definitions/tables';

/** Variables the stack itself sets on every function; a user never supplies them. */
export const STACK_OWNED_ENV: readonly EnvName[] = [
  'BRIDGES_FILE',
  'PROVIDER_SECRETS_ARN',
  'WS_MANAGEMENT_ENDPOINT',
  'DEAD_LETTER_QUEUE_URL',
  ...TABLES.map((table) => table.tableNameEnv as EnvName),
];

const SECRETS: readonly EnvName[] = SECRET_ENV_VARS;

/** Variables read at synth into stack properties, not given to the functions. */
export const STACK_PROPERTY_ENV: readonly EnvName[] = ['CORS_ALLOWED_ORIGINS'];

/**
 * Plain (non-secret) settings such as provider hosts, ids and bot user ids: every ENV_VARS
 * name that is neither a secret (those live in Secrets Manager) nor owned by the stack.
 */
export const SETTING_NAMES: readonly EnvName[] = (Object.keys(ENV_VARS) as EnvName[]).filter(
  (name) =>
    !SECRETS.includes(name) &&
    !STACK_OWNED_ENV.includes(name) &&
    !STACK_PROPERTY_ENV.includes(name),
);

export type Settings = Partial<Record<EnvName, string>>;

/** The settings present in an environment (at synth: the deployer's shell), nothing else. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
  return Object.fromEntries(
    SETTING_NAMES.flatMap((name) => {
      const value = env[name];
      return value ? [[name, value]] : [];
    }),
  );
}
