import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultSecretsSource, secretsManagerSecrets } from '../../functions/infra/secrets';

describe('provider secrets', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  beforeEach(() => secretsManager.reset());

  it('reads the JSON secret once per TTL, shares one read between concurrent callers, and refreshes after it', async () => {
    let clock = 0;
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"GITPLE_WEBHOOK_KEY":"first"}' })
      .resolvesOnce({ SecretString: '{"GITPLE_WEBHOOK_KEY":"rotated"}' });
    const source = secretsManagerSecrets({
      secretId: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:ProviderSecrets',
      client: new SecretsManagerClient({ region: 'us-west-2' }),
      ttlMs: 1000,
      env: { GITPLE_HOST: 'live.example.com' },
      now: () => clock,
    });

    const [a, b] = await Promise.all([source.load(), source.load()]);
    clock = 999;
    const cached = await source.load();
    clock = 1000;
    const refreshed = await source.load();

    expect(a).toMatchObject({ GITPLE_WEBHOOK_KEY: 'first', GITPLE_HOST: 'live.example.com' });
    expect(b).toBe(a);
    expect(cached).toBe(a);
    expect(refreshed.GITPLE_WEBHOOK_KEY).toBe('rotated');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:ProviderSecrets',
    });
  });

  it('refuses a secret that is not a JSON object, naming the variable and not its value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '"just-a-string-secret"' });
    const source = secretsManagerSecrets({
      secretId: 'id',
      client: new SecretsManagerClient({ region: 'us-west-2' }),
    });

    const error = (await source.load().then(
      () => new Error('expected a refusal'),
      (e: unknown) => e,
    )) as Error;

    expect(error.message).toContain('PROVIDER_SECRETS_ARN');
    expect(error.message).not.toContain('just-a-string-secret');
  });

  it('uses the environment when no secret ARN is configured (the local runtime)', async () => {
    const values = await defaultSecretsSource({ GITPLE_WEBHOOK_KEY: 'local' }).load();

    expect(values.GITPLE_WEBHOOK_KEY).toBe('local');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
