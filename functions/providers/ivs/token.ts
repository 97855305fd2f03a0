import {
  CreateChatTokenCommand,
  IvschatClient,
  type ChatTokenCapability,
  type CreateChatTokenCommandInput,
} from '@aws-sdk/client-ivschat';
import { ConfigError, ProviderError } from '../../core/errors';
import { MODERATOR_ROLE, hasRole, type AppIdentity } from '../../core/identity';
import type { TokenMinter } from '../../core/tokens';

export type IvsClientFor = (region: string) => IvschatClient;

const clients = new Map<string, IvschatClient>();

/**
 * One control-plane client per room region, created on first use. The SDK reads
 * AWS_ENDPOINT_URL_IVSCHAT itself, which is how tests point this same client at a local fake.
 */
export const defaultIvsClientFor: IvsClientFor = (region) => {
  let client = clients.get(region);
  if (client === undefined) {
    client = new IvschatClient({ region });
    clients.set(region, client);
  }
  return client;
};

export const IVS_SESSION_MINUTES_DEFAULT = 60;
/** IVS caps token attributes at 1 KB in total, keys and values ([V] README IVS-3). */
export const IVS_ATTRIBUTES_MAX_BYTES = 1024;
const DISPLAY_NAME = 'displayName';

/** IVS_SESSION_MINUTES: 1-180 (the CreateChatToken limits, [V] README IVS-2), default 60. */
export function ivsSessionMinutes(env: NodeJS.ProcessEnv): number {
  const raw = env.IVS_SESSION_MINUTES;
  if (raw === undefined || raw === '') return IVS_SESSION_MINUTES_DEFAULT;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 180) {
    throw new ConfigError(`IVS_SESSION_MINUTES must be an integer from 1 to 180, got "${raw}"`);
  }
  return value;
}

/** Members send; only the moderator role may delete messages and disconnect users. */
export function ivsCapabilities(identity: AppIdentity): ChatTokenCapability[] {
  return hasRole(identity, MODERATOR_ROLE)
    ? ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER']
    : ['SEND_MESSAGE'];
}

/** `{displayName}` cut (on a code-point boundary) so the attributes stay within 1 KB. */
export function ivsDisplayNameAttributes(displayName: string): Record<string, string> {
  const budget = IVS_ATTRIBUTES_MAX_BYTES - Buffer.byteLength(DISPLAY_NAME, 'utf8');
  return { [DISPLAY_NAME]: truncateUtf8(displayName, budget) };
}

function truncateUtf8(value: string, maxBytes: number): string {
  if (Buffer.byteLength(value, 'utf8') <= maxBytes) return value;
  let out = '';
  let bytes = 0;
  for (const codePoint of value) {
    const size = Buffer.byteLength(codePoint, 'utf8');
    if (bytes + size > maxBytes) break;
    out += codePoint;
    bytes += size;
  }
  return out;
}

/** `arn:aws:ivschat:<region>:<account>:room/<id>`: the room's region decides the endpoint. */
function regionOfRoom(roomArn: string): string {
  const region = roomArn.split(':')[3];
  if (!region) throw new ConfigError(`bridges: "${roomArn}" is not an IVS room ARN`);
  return region;
}

/** `POST /tokens/ivs`: CreateChatToken for the bridge's room, capabilities from the app JWT. */
export function createIvsTokenMinter(options: {
  env: NodeJS.ProcessEnv;
  clientFor?: IvsClientFor;
}): TokenMinter {
  const sessionDurationInMinutes = ivsSessionMinutes(options.env);
  const clientFor = options.clientFor ?? defaultIvsClientFor;
  return async ({ identity, channel }) => {
    const input: CreateChatTokenCommandInput = {
      roomIdentifier: channel.channel,
      userId: identity.sub,
      capabilities: ivsCapabilities(identity),
      sessionDurationInMinutes,
      attributes: ivsDisplayNameAttributes(identity.name ?? identity.sub),
    };
    let output;
    try {
      output = await clientFor(regionOfRoom(channel.channel)).send(
        new CreateChatTokenCommand(input),
      );
    } catch (error) {
      throw ivsProviderError(error);
    }
    const { token, tokenExpirationTime, sessionExpirationTime } = output;
    if (!token || !tokenExpirationTime || !sessionExpirationTime) {
      throw new ProviderError('ivs answered CreateChatToken without a token');
    }
    // The IVS client SDK's ChatToken shape: ISO strings, as the control plane sends them.
    return {
      token,
      sessionExpirationTime: sessionExpirationTime.toISOString(),
      tokenExpirationTime: tokenExpirationTime.toISOString(),
    };
  };
}

function ivsProviderError(error: unknown): ProviderError {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = error instanceof Error ? error.name : 'Error';
  if (status === undefined) {
    return new ProviderError('ivs could not be reached for CreateChatToken', undefined, {
      cause: error,
    });
  }
  // The exception name and status are the provider's code; its message may name ARNs, so no.
  return new ProviderError(`ivs refused CreateChatToken: ${name} (HTTP ${status})`, status, {
    cause: error,
  });
}
