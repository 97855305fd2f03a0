import { createHash } from 'node:crypto';
import type { EventType } from './event';
import type { ProviderName } from './providers';

/**
 * A deterministic event id from the provider's own identity of the occurrence.
 * A redelivery of the same occurrence (same provider, type and identity parts) maps to the
 * same id, which is what makes the conditional write in the store idempotent.
 */
export function deterministicEventId(
  provider: ProviderName,
  type: EventType,
  identity: readonly string[],
): string {
  if (identity.length === 0 || identity.some((part) => part.length === 0)) {
    throw new Error('event identity needs at least one non-empty part');
  }
  const digest = createHash('sha256')
    .update([provider, type, ...identity].join('\u0000'))
    .digest('base64url');
  return `${provider}-${digest.slice(0, 27)}`;
}
