import * as v from 'valibot';

/** Every participant the bridge knows. `web` is the bridge's own WebSocket clients. */
export const PROVIDERS = [
  'ivs',
  'gitple',
  'pingstreams',
  'tigerconnect',
  'azstack',
  'web',
] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export const ProviderNameSchema = v.picklist(PROVIDERS);

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value);
}

/**
 * Channel id formats, used to validate bridges.json before anything deploys.
 * Data, not branching: the core looks a format up, it never switches on a provider.
 */
export const CHANNEL_ID_FORMATS: Record<ProviderName, { pattern: RegExp; example: string }> = {
  ivs: {
    pattern: /^arn:aws[a-z-]*:ivschat:[a-z0-9-]+:[0-9]{12}:room\/[a-zA-Z0-9-]+$/,
    example: 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6',
  },
  gitple: { pattern: /^[^\s/]{1,128}$/, example: 'room-7' },
  pingstreams: {
    pattern: /^support-group-[a-zA-Z0-9]+-[a-zA-Z0-9-]+$/,
    example: 'support-group-65f1c0ffee0000000000abcd-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b',
  },
  tigerconnect: { pattern: /^[^\s/]{1,128}$/, example: 'e9fe5f3a-f7cf-4278-8aca-0b558b5c90ad' },
  azstack: { pattern: /^[0-9]{1,20}$/, example: '1234' },
  web: { pattern: /^[a-zA-Z0-9_-]{1,64}$/, example: 'support' },
};

/** The key a channel is stored under: one DynamoDB partition per provider channel. */
export function channelKey(provider: ProviderName, channelId: string): string {
  return `${provider}#${channelId}`;
}
