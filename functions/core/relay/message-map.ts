import type { DeliveryTarget } from '../outbound';
import type { MessageRef, RelayState } from './ports';

/** An edit, delete or reply may point at a copy: the origin it was copied from, or itself. */
export async function rootOf(ref: MessageRef, state: RelayState): Promise<MessageRef> {
  return (await state.findOrigin(ref)) ?? ref;
}

/** The id a root message has in one target channel: itself there, else its relayed copy. */
export async function copyIn(root: MessageRef, target: DeliveryTarget, state: RelayState) {
  if (root.provider === target.provider && root.channel === target.channel) return root.messageId;
  return state.findCopy(root, target);
}
