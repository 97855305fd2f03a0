import type { Bridge, BridgeChannel } from '../bridges';
import type { CommonEvent } from '../event';
import type { DeliveryTarget } from '../outbound';
import { channelKey } from '../providers';

/** The channels of a bridge an event goes to: every other channel that accepts output. */
export function relayTargets(bridge: Bridge, event: CommonEvent): DeliveryTarget[] {
  const origin = bridge.channels.find(
    (c) => c.provider === event.data.provider && c.channel === event.data.channel.id,
  );
  if (origin?.direction === 'out') return [];
  return bridge.channels.filter((c) => c !== origin && c.direction !== 'in').map(toTarget);
}

/** The channels a portal created for this bridge, closed when its conversation ends. */
export function createdTargets(bridge: Bridge): DeliveryTarget[] {
  return bridge.channels.filter((c) => c.create !== undefined).map(toTarget);
}

const toTarget = (channel: BridgeChannel): DeliveryTarget => ({
  provider: channel.provider,
  channel: channel.channel,
  mode: channel.mode,
  ...(channel.create && { create: channel.create }),
});

/** The `provider#channel` a delivery record is kept under. */
export const targetKey = (target: Pick<DeliveryTarget, 'provider' | 'channel'>) =>
  channelKey(target.provider, target.channel);

/** The pseudo-target of the push to a bridge's own WebSocket clients. */
export const webTargetKey = (bridgeId: string) => channelKey('web', bridgeId);
