import { ENV_VARS, LOCAL_ONLY_ENV_VARS, SECRET_ENV_VARS } from '../functions/definitions/env-names';
import { TABLES } from '../functions/definitions/tables';
import type { ProviderDescription } from './provider-descriptions';

/** Variables the stack itself sets on every function; a user never supplies them. */
export const STACK_OWNED_ENV: readonly string[] = [
  'BRIDGES_FILE',
  'PROVIDER_SECRETS_ARN',
  'WS_MANAGEMENT_ENDPOINT',
  'DEAD_LETTER_QUEUE_URL',
  'IVS_REACHABLE_ROOMS',
  ...TABLES.map((table) => table.tableNameEnv),
  // Never deployed: the stack leaves them unset, so they stay off on AWS.
  ...LOCAL_ONLY_ENV_VARS,
];

/** Every secret: the bridge's own and each provider's. They live in Secrets Manager only. */
export function secretNames(providers: readonly ProviderDescription[]): string[] {
  return [
    ...SECRET_ENV_VARS,
    ...providers.flatMap((p) =>
      Object.entries(p.settings).flatMap(([name, setting]) => (setting.secret ? [name] : [])),
    ),
  ];
}

/** Variables read at synth into stack properties, not given to the functions. */
export const STACK_PROPERTY_ENV: readonly string[] = ['CORS_ALLOWED_ORIGINS', 'IVS_ROOMS'];

/**
 * Plain (non-secret) settings such as provider hosts, ids and bot user ids: every variable
 * that is neither a secret (those live in Secrets Manager) nor owned by the stack.
 */
export function settingNames(providers: readonly ProviderDescription[]): string[] {
  const secrets = secretNames(providers);
  return [...Object.keys(ENV_VARS), ...providers.flatMap((p) => Object.keys(p.settings))].filter(
    (name) =>
      !secrets.includes(name) &&
      !STACK_OWNED_ENV.includes(name) &&
      !STACK_PROPERTY_ENV.includes(name),
  );
}

export type Settings = Record<string, string>;

/** The settings present in an environment (at synth: the deployer's shell), nothing else. */
export function settingsFromEnv(
  env: NodeJS.ProcessEnv,
  providers: readonly ProviderDescription[],
): Settings {
  return Object.fromEntries(
    settingNames(providers).flatMap((name) => {
      const value = env[name];
      return value ? [[name, value]] : [];
    }),
  );
}
