import type { EnvName } from '../definitions/env-names';
import type { SecretValues } from '../infra/secrets';

/**
 * What each provider needs to be "configured" (tokens and outbound delivery). A provider that
 * is not configured still ingests what reaches it.
 */
export const PROVIDER_REQUIREMENTS = {
  ivs: ['IVS_BOT_USER_ID'],
  gitple: ['GITPLE_HOST', 'GITPLE_APP_ID', 'GITPLE_APP_API_KEY'],
  pingstreams: ['PINGSTREAMS_PROJECT_ID', 'PINGSTREAMS_PROJECT_SECRET'],
  tigerconnect: ['TIGERCONNECT_API_KEY', 'TIGERCONNECT_API_SECRET'],
  azstack: ['AZSTACK_APP_ID', 'AZSTACK_PRIVATE_KEY', 'AZSTACK_SECRET_CODE'],
} as const satisfies Record<string, readonly EnvName[]>;

export type ConfigurableProvider = keyof typeof PROVIDER_REQUIREMENTS;

export function isConfigured(provider: ConfigurableProvider, secrets: SecretValues): boolean {
  return PROVIDER_REQUIREMENTS[provider].every((name) => Boolean(secrets[name]));
}

export function providerStatus(
  secrets: SecretValues,
): Record<ConfigurableProvider, 'configured' | 'not-configured'> {
  return Object.fromEntries(
    Object.keys(PROVIDER_REQUIREMENTS).map((provider) => [
      provider,
      isConfigured(provider as ConfigurableProvider, secrets) ? 'configured' : 'not-configured',
    ]),
  ) as Record<ConfigurableProvider, 'configured' | 'not-configured'>;
}
