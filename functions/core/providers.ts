import * as v from 'valibot';
import type { ChannelIdFormat } from './provider-module';

/**
 * A participant's name. The core knows no provider by name: the registry
 * (`functions/providers/index.ts`) lists them. `web`, the bridge's own WebSocket clients, is
 * the one participant the core itself defines.
 */
export type ProviderName = string;

export const WEB_PROVIDER = 'web';

const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,31}$/;

export const ProviderNameSchema = v.pipe(
  v.string(),
  v.regex(PROVIDER_NAME, 'a provider name: lower-case letters, digits or -'),
);

/** Whether a value has the shape of a provider name (not whether that provider is known). */
export function isProviderName(value: string): value is ProviderName {
  return PROVIDER_NAME.test(value);
}

/** The bridge's own clients' channel is the bridge id. */
export const WEB_CHANNEL_FORMAT: ChannelIdFormat = {
  pattern: /^[a-zA-Z0-9_-]{1,64}$/,
  example: 'support',
};

/** The key a channel is stored under: one DynamoDB partition per provider channel. */
export function channelKey(provider: ProviderName, channelId: string): string {
  return `${provider}#${channelId}`;
}
