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

/**
 * The URL to register in a provider console, as a template: the key placeholder names the
 * secret key to copy, the secret value itself is never put in a template or output.
 */
export function webhookUrlTemplate(
  baseUrl: string,
  registration: WebhookRegistration & { provider: string },
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
