import type { WebhookAdapter } from '../core/inbound';
import type { SecretValues } from '../infra/secrets';
import { createGitpleWebhookAdapter } from './gitple/webhook';
import { createPingstreamsWebhookAdapter } from './pingstreams/webhook';
import { createTigerConnectWebhookAdapter } from './tigerconnect/webhook';

type WebhookAdapterFactory = (secrets: SecretValues) => WebhookAdapter;

/**
 * Providers that push to `POST /webhooks/{provider}`. IVS reaches the bridge through its
 * review-handler and chat-logging Lambdas and AZStack only through its auth callback, so
 * neither has a webhook here.
 */
const WEBHOOK_ADAPTERS: Record<string, WebhookAdapterFactory> = {
  gitple: createGitpleWebhookAdapter,
  pingstreams: createPingstreamsWebhookAdapter,
  tigerconnect: createTigerConnectWebhookAdapter,
};

export function webhookProviders(): string[] {
  return Object.keys(WEBHOOK_ADAPTERS);
}

export function createWebhookAdapter(
  provider: string,
  secrets: SecretValues,
): WebhookAdapter | undefined {
  const factory = Object.hasOwn(WEBHOOK_ADAPTERS, provider)
    ? WEBHOOK_ADAPTERS[provider]
    : undefined;
  return factory?.(secrets);
}
