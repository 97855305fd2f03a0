import type { Bridge } from '../bridges';
import type { CommonEvent } from '../event';
import type { DeliveryTarget, OutboundAdapter } from '../outbound';
import type { Outcome, RelayDeps } from './deps';
import { copyIn, rootOf } from './message-map';
import { buildOutbound } from './outbound-message';
import type { MessageCopy, MessageRef } from './ports';
import { closeCreated, closesCreatedChannel, ensureCreated } from './portal-channels';

/**
 * One attempt to carry an event to a target: a send remembers the new copy (opening a
 * portal's channel first), an edit or delete acts on the copy the original became there, and
 * the end of a conversation closes the channels its portal created. Throws what the provider
 * threw.
 */
export async function attemptDelivery(
  event: CommonEvent,
  bridge: Bridge | undefined,
  adapter: OutboundAdapter,
  target: DeliveryTarget,
  deps: RelayDeps,
): Promise<Outcome> {
  if (closesCreatedChannel(event, target, deps)) return closeCreated(adapter, target, deps);
  const message = event.data.message!;
  const caps = adapter.capabilities(target);
  const originRef = originOf(event);
  switch (event.type) {
    case 'chat.message.created': {
      if (!caps.send)
        return { status: 'skipped', detail: `${target.provider} cannot receive messages` };
      const uncreated = await ensureCreated(event, adapter, target, deps);
      if (uncreated) return uncreated;
      const outbound = await buildOutbound(event, bridge, adapter, target, deps);
      const sent = await adapter.send(target, outbound.message);
      return {
        status: 'delivered',
        targetMessageId: sent.messageId,
        ...(outbound.detail && { detail: outbound.detail }),
        copy: copyOf(event, target, sent.messageId),
      };
    }
    case 'chat.message.updated':
    case 'chat.message.deleted': {
      const isEdit = event.type === 'chat.message.updated';
      const operation = isEdit ? adapter.edit : adapter.delete;
      if (!(isEdit ? caps.edit : caps.delete) || !operation) {
        return {
          status: 'skipped',
          detail: `${target.provider} does not support ${isEdit ? 'edits' : 'deletes'}`,
        };
      }
      const root = await rootOf(originRef, deps.state);
      // The bridge's own deletes come back (IVS logs them, Gitple reports them) as new
      // delete events of a copy; the first delete of a message claims it, the rest stop here.
      if (!isEdit && !(await deps.state.claimDeletion(root, event.id))) {
        return { status: 'skipped', detail: 'the message was already deleted through the bridge' };
      }
      const copyId = await copyIn(root, target, deps.state);
      if (!copyId)
        return { status: 'skipped', detail: 'the original message was never relayed there' };
      if (isEdit) {
        const outbound = await buildOutbound(event, bridge, adapter, target, deps);
        await adapter.edit!(target, copyId, outbound.message);
      } else {
        const reason =
          typeof message.meta?.reason === 'string' ? message.meta.reason : 'deleted at the origin';
        await adapter.delete!(target, copyId, reason, event);
      }
      return { status: 'delivered', targetMessageId: copyId };
    }
    default:
      return { status: 'skipped', detail: `${event.type} is not relayed to providers` };
  }
}

/** The message an event is about, where it was written. */
const originOf = (event: CommonEvent): MessageRef => ({
  provider: event.data.provider,
  channel: event.data.channel.id,
  messageId: event.data.message!.id,
});

/** The id-map entry of a new copy of `event`'s message in `target`. */
export const copyOf = (
  event: CommonEvent,
  target: DeliveryTarget,
  messageId: string,
): MessageCopy => ({
  origin: originOf(event),
  copy: { provider: target.provider, channel: target.channel, messageId },
});
