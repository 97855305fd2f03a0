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

/**
 * The URL to register in a provider console, as a template: the key placeholder names the
 * secret key to copy, the secret value itself is never put in a template or output.
 */
export function webhookUrlTemplate(
  baseUrl: string,
  registration: WebhookRegistration,
  secretLabel: string,
): string {
  const url = `${baseUrl}${webhookPath(registration.provider)}`;
  if (registration.queryKey) {
    return `${url}?key=<${registration.queryKey} from ${secretLabel}>`;
  }
  if (registration.verifiedBy) {
    return `${url} (store ${registration.verifiedBy.how} as ${registration.verifiedBy.secret} in ${secretLabel})`;
  }
  return url;
}
