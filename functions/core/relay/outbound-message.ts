import type { Bridge } from '../bridges';
import type { CommonEvent } from '../event';
import { fitText, formatRelayText } from '../format';
import type { DeliveryTarget, OutboundAdapter, OutboundMessage, RelayMarker } from '../outbound';
import type { RelayDeps } from './deps';
import { copyIn, rootOf } from './message-map';

/** The echo marker a relayed copy of `event` carries (and is looked for by). */
export function relayMarker(event: CommonEvent): RelayMarker {
  return {
    origin: event.data.relayOf?.provider ?? event.data.provider,
    eventId: event.id,
    originMessageId: event.data.message!.id,
  };
}

/** The message a target receives: formatted, fitted to its limits, its reply mapped there. */
export async function buildOutbound(
  event: CommonEvent,
  bridge: Bridge | undefined,
  adapter: OutboundAdapter,
  target: DeliveryTarget,
  deps: RelayDeps,
): Promise<{ message: OutboundMessage; detail?: string }> {
  const message = event.data.message!;
  const caps = adapter.capabilities(target);
  const sender = event.data.sender ?? { id: 'unknown' };
  const attachmentLines = caps.attachments
    ? []
    : message.attachments.map((a) => `📎 ${[a.name, a.url].filter(Boolean).join(' ')}`);
  const body = [message.text ?? '', ...attachmentLines].filter((line) => line !== '').join('\n');
  const formatted = formatRelayText(bridge?.senderFormat ?? '{sender}: {text}', {
    provider: event.data.provider,
    sender: sender.displayName ?? sender.id,
    text: body,
    channel: event.data.channel.name ?? event.data.channel.id,
  });
  const fitted = fitText(formatted, caps.maxTextLength);
  let replyTo: string | undefined;
  if (message.replyTo && caps.replies) {
    const repliedTo = await rootOf(
      { provider: event.data.provider, channel: event.data.channel.id, messageId: message.replyTo },
      deps.state,
    );
    replyTo = await copyIn(repliedTo, target, deps.state);
  }
  return {
    message: {
      text: fitted.text,
      attachments: caps.attachments ? message.attachments : [],
      ...(replyTo && { replyTo }),
      sender,
      marker: relayMarker(event),
      event,
    },
    ...(fitted.truncated && { detail: `text truncated to ${caps.maxTextLength} code points` }),
  };
}
