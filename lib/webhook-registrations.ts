import { HTTP_ROUTES, type FunctionName } from '../functions/definitions/functions';
import type { ProviderDescription, WebhookRegistration } from './provider-descriptions';

/** The providers that push to `POST /webhooks/{provider}`, with how their URL is registered. */
export function webhookRegistrations(
  providers: readonly ProviderDescription[],
): (WebhookRegistration & { provider: string })[] {
  return providers.flatMap((p) =>
    p.webhook ? [{ provider: p.name, ...p.webhook.registration }] : [],
  );
}

/** A function's route path, read from HTTP_ROUTES so a printed URL always matches the API. */
export function routePath(name: FunctionName): string {
  const route = HTTP_ROUTES.find((r) => r.function === name);
  if (!route) throw new Error(`HTTP_ROUTES has no ${name} route`);
  return route.path;
}

export function webhookPath(provider: string): string {
  return routePath('Webhook').replace('{provider}', provider);
}

/** The URL to register in a provider console: a bare URL, the same for every provider. */
export function webhookUrl(baseUrl: string, registration: { provider: string }): string {
  return `${baseUrl}${webhookPath(registration.provider)}`;
}

/**
 * What to do with that URL, for the output's description: which secret key the `?key=` it
 * carries comes from, or where to store what the provider returns. Never a secret value.
 */
export function webhookGuidance(
  registration: WebhookRegistration & { provider: string },
  secretLabel: string,
): string {
  if (registration.queryKey) {
    return `Register in the ${registration.provider} console with ?key=<${registration.queryKey} from ${secretLabel}> appended`;
  }
  if (registration.verifiedBy) {
    return `Register with ${registration.provider}; store ${registration.verifiedBy.how} as ${registration.verifiedBy.secret} in ${secretLabel}`;
  }
  return `Register in the ${registration.provider} console`;
}
