import { createHash } from 'node:crypto';
import type { EventType } from './event';
import type { ProviderName } from './providers';

/**
 * A deterministic event id from the provider's own identity of the occurrence.
 * A redelivery of the same occurrence (same provider, channel, type and identity parts) maps
 * to the same id, which is what makes the conditional write in the store idempotent.
 *
 * The channel is part of the id because idempotency is per channel partition: with ids from
 * the message id alone, one message id posted under several channels (a replayed or forged
 * delivery) became one event id stored in each of them. Now each (channel, occurrence) is its
 * own event, and the same id can never name two stored items.
 */
export function deterministicEventId(
  provider: ProviderName,
  type: EventType,
  channelId: string,
  identity: readonly string[],
): string {
  if (identity.length === 0 || identity.some((part) => part.length === 0)) {
    throw new Error('event identity needs at least one non-empty part');
  }
  const digest = createHash('sha256')
    .update([provider, type, channelId, ...identity].join('\u0000'))
    .digest('base64url');
  return `${provider}-${digest.slice(0, 27)}`;
}
