import { HTTP_ROUTES, type FunctionName } from '../functions/definitions/functions';
import type { SECRET_ENV_VARS } from '../functions/definitions/env-names';
import type { ProviderName } from '../functions/core/providers';

type SecretName = (typeof SECRET_ENV_VARS)[number];

/**
 * How each provider that pushes to `POST /webhooks/{provider}` proves itself, as far as the
 * URL a user registers is concerned. Names are typed against the provider list and the
 * secret names, so a rename breaks the build instead of the printed instructions.
 */
export interface WebhookRegistration {
  provider: ProviderName;
  /** The secret key whose value the registered URL carries as `?key=`. */
  queryKey?: SecretName;
  /** The secret key holding what the provider sends back for verification. */
  verifiedBy?: { secret: SecretName; how: string };
}

export const WEBHOOK_REGISTRATIONS: readonly WebhookRegistration[] = [
  { provider: 'gitple', queryKey: 'GITPLE_WEBHOOK_KEY' },
  {
    provider: 'pingstreams',
    verifiedBy: {
      secret: 'PINGSTREAMS_WEBHOOK_SECRET',
      how: 'the subscription secret Pingstreams returns (sent as x-hook-secret)',
    },
  },
  { provider: 'tigerconnect', queryKey: 'TIGERCONNECT_WEBHOOK_KEY' },
];

/** A function's route path, read from HTTP_ROUTES so a printed URL always matches the API. */
export function routePath(name: FunctionName): string {
  const route = HTTP_ROUTES.find((r) => r.function === name);
  if (!route) throw new Error(`HTTP_ROUTES has no ${name} route`);
  return route.path;
}

export function webhookPath(provider: ProviderName): string {
  return routePath('Webhook').replace('{provider}', provider);
}

/** The URL to register in a provider console: a bare URL, the same for every provider. */
export function webhookUrl(baseUrl: string, registration: WebhookRegistration): string {
  return `${baseUrl}${webhookPath(registration.provider)}`;
}

/**
 * What to do with that URL, for the output's description: which secret key the `?key=` it
 * carries comes from, or where to store what the provider returns. Never a secret value.
 */
export function webhookGuidance(registration: WebhookRegistration, secretLabel: string): string {
  if (registration.queryKey) {
    return `Register in the ${registration.provider} console with ?key=<${registration.queryKey} from ${secretLabel}> appended`;
  }
  if (registration.verifiedBy) {
    return `Register with ${registration.provider}; store ${registration.verifiedBy.how} as ${registration.verifiedBy.secret} in ${secretLabel}`;
  }
  return `Register in the ${registration.provider} console`;
}
