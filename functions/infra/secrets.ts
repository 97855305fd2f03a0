import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../core/errors';
import type { SecretValues, SecretsSource } from '../core/secrets';

/** Locally (and in tests) secrets come from the environment. */
export function envSecrets(env: NodeJS.ProcessEnv = process.env): SecretsSource {
  return {
    load: async () => env as SecretValues,
  };
}

/**
 * On AWS, provider secrets live in one Secrets Manager JSON secret (PROVIDER_SECRETS_ARN),
 * read once per container and refreshed after `ttlMs`, so a rotation is picked up without a
 * deploy. Plain environment values are the fallback for keys the secret does not hold.
 */
export function secretsManagerSecrets(options: {
  secretId: string;
  client?: SecretsManagerClient;
  ttlMs?: number;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}): SecretsSource {
  const client = options.client ?? new SecretsManagerClient({});
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { values: SecretValues; at: number } | undefined;
  let inflight: Promise<SecretValues> | undefined;
  return {
    async load() {
      if (cached && now() - cached.at < ttlMs) return cached.values;
      inflight ??= client
        .send(new GetSecretValueCommand({ SecretId: options.secretId }))
        .then((response) => {
          const parsed: unknown = JSON.parse(response.SecretString ?? '{}');
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
            throw new ConfigError('PROVIDER_SECRETS_ARN: the secret must be a JSON object');
          }
          const values = { ...(options.env ?? process.env), ...parsed } as SecretValues;
          cached = { values, at: now() };
          return values;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
  };
}

/** The secrets source for this process: Secrets Manager when an ARN is configured. */
export function defaultSecretsSource(env: NodeJS.ProcessEnv = process.env): SecretsSource {
  const secretId = env.PROVIDER_SECRETS_ARN;
  return secretId ? secretsManagerSecrets({ secretId, env }) : envSecrets(env);
}
