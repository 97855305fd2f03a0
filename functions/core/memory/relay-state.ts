import type { ProviderName } from '../providers';
import {
  deliveryKey,
  type DeliveryRecord,
  type MessageCopy,
  type MessageRef,
  type RelayState,
} from '../relay/ports';

const refKey = (ref: MessageRef) => JSON.stringify([ref.provider, ref.channel, ref.messageId]);
const copyKey = (origin: MessageRef, target: { provider: ProviderName; channel: string }) =>
  JSON.stringify([refKey(origin), target.provider, target.channel]);

/**
 * Relay state in memory: the DynamoDB relay state's contract (delivery records, both
 * directions of the id map, one deletion claim per message) without the database.
 */
export class MemoryRelayState implements RelayState {
  private readonly deliveries = new Map<string, DeliveryRecord>();
  private readonly copies = new Map<string, string>();
  private readonly origins = new Map<string, MessageRef>();
  private readonly deletions = new Map<string, string>();

  async getDelivery(eventId: string, target: string): Promise<DeliveryRecord | undefined> {
    const record = this.deliveries.get(deliveryKey(eventId, target));
    return record && { ...record };
  }

  async getDeliveries(
    keys: readonly { eventId: string; target: string }[],
  ): Promise<Map<string, DeliveryRecord>> {
    const found = new Map<string, DeliveryRecord>();
    for (const { eventId, target } of keys) {
      const record = this.deliveries.get(deliveryKey(eventId, target));
      if (record) found.set(deliveryKey(eventId, target), { ...record });
    }
    return found;
  }

  async putDelivery(record: DeliveryRecord, copy?: MessageCopy): Promise<void> {
    this.deliveries.set(deliveryKey(record.eventId, record.target), { ...record });
    if (!copy) return;
    this.copies.set(copyKey(copy.origin, copy.copy), copy.copy.messageId);
    this.origins.set(refKey(copy.copy), { ...copy.origin });
  }

  async claimDeletion(root: MessageRef, eventId: string): Promise<boolean> {
    const claimedBy = this.deletions.get(refKey(root));
    if (claimedBy !== undefined) return claimedBy === eventId;
    this.deletions.set(refKey(root), eventId);
    return true;
  }

  async findOrigin(ref: MessageRef): Promise<MessageRef | undefined> {
    const origin = this.origins.get(refKey(ref));
    return origin && { ...origin };
  }

  async findCopy(
    origin: MessageRef,
    target: { provider: ProviderName; channel: string },
  ): Promise<string | undefined> {
    return this.copies.get(copyKey(origin, target));
  }
}
