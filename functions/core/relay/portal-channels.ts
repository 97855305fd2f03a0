import type { CommonEvent } from '../event';
import type { DeliveryTarget, OutboundAdapter } from '../outbound';
import { CHANNEL_CREATION_EVENT, portalName } from '../portals';
import { nowOf, type Outcome, type RelayDeps } from './deps';
import { writeDurably } from './record';
import { targetKey } from './targets';

/** Created channels a container remembers; past this the oldest is read again when needed. */
const REMEMBERED_CHANNELS = 10_000;

/** Whether an event ends its bridge's conversation: a channel event its rule closes on. */
export const endsConversation = (event: CommonEvent, deps: RelayDeps): boolean =>
  event.data.message === undefined && deps.closes?.(event) === true;

/** Whether this delivery is the closing of a channel a portal created. */
export const closesCreatedChannel = (
  event: CommonEvent,
  target: DeliveryTarget,
  deps: RelayDeps,
): boolean => target.create !== undefined && endsConversation(event, deps);

/**
 * Open a portal's channel before the first message goes to it; nothing when it exists.
 * Called inside a delivery attempt, so a failed creation is retried, waits out Retry-After
 * and is parked with its event like a failed send, and a replay creates, then delivers. The
 * provider names the channel from the bridge (`ChannelCreationPart.channelId`) and creates
 * idempotently, so a crash between the call and its record, or two lanes creating at once,
 * still make one channel. Returns an outcome only when the provider cannot create at all.
 */
export async function ensureCreated(
  event: CommonEvent,
  adapter: OutboundAdapter,
  target: DeliveryTarget,
  deps: RelayDeps,
): Promise<Outcome | undefined> {
  const spec = target.create;
  const key = targetKey(target);
  if (!spec || deps.createdChannels?.has(key)) return undefined;
  if (!adapter.createChannel) {
    return { status: 'skipped', detail: `${target.provider} cannot create channels` };
  }
  const created = await deps.state.getDelivery(CHANNEL_CREATION_EVENT, key);
  if (created?.status !== 'delivered') {
    await adapter.createChannel(target, { name: portalName(spec, event), members: spec.members });
    await writeDurably(deps, () =>
      deps.state.putDelivery({
        eventId: CHANNEL_CREATION_EVENT,
        target: key,
        status: 'delivered',
        attempts: 1,
        detail: `created before event ${event.id}`,
        updatedAt: new Date(nowOf(deps)).toISOString(),
      }),
    );
    deps.metrics.count('ChannelsCreated', { provider: target.provider });
    deps.log.info('created a channel for a portal', { target: key, eventId: event.id });
  }
  remember(deps, key);
  return undefined;
}

/**
 * Close (freeze, archive) a channel a portal created, when its conversation ended. Where the
 * provider cannot, the channel stays as it is and the delivery says so.
 */
export async function closeCreated(
  adapter: OutboundAdapter,
  target: DeliveryTarget,
  deps: RelayDeps,
): Promise<Outcome> {
  if (!adapter.closeChannel) {
    return {
      status: 'skipped',
      detail: `${target.provider} cannot close a channel; it stays open`,
    };
  }
  await adapter.closeChannel(target);
  deps.metrics.count('ChannelsClosed', { provider: target.provider });
  return { status: 'delivered', detail: 'the conversation ended: channel closed' };
}

function remember(deps: RelayDeps, key: string): void {
  const known = deps.createdChannels;
  if (!known) return;
  known.add(key);
  if (known.size > REMEMBERED_CHANNELS) known.delete(known.values().next().value!);
}
