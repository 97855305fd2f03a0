import { NotConfiguredError } from '../../core/errors';
import type { OutboundAdapter, OutboundCapabilities } from '../../core/outbound';
import type { SecretValues } from '../../core/secrets';
import { createTigerConnectClient, readTigerConnectConfig } from './client';
import { originDataEntry } from './marker';

/**
 * No public length limit exists ([G] README TC-18); 4000 code points is an assumption kept well inside what
 * chat clients render, and the relay truncates to it (reporting the truncation).
 */
export const TIGERCONNECT_MAX_TEXT_LENGTH = 4000;

/**
 * Send only. Edits do not exist on TigerConnect; the SDK's `messages.recall(id)` has no
 * verified REST path ([I] README TC-16), so deletes are not attempted. Attachments need a multipart upload
 * (one per message, [V] README TC-19) that is not built, so the relay writes them as links into the text.
 * Replies have no field in `POST /v2/message`.
 */
const CAPABILITIES: OutboundCapabilities = {
  send: true,
  edit: false,
  delete: false,
  attachments: false,
  replies: false,
  maxTextLength: TIGERCONNECT_MAX_TEXT_LENGTH,
  // [I] README TC-23: no REST call lists a conversation's messages; an unknown outcome is sent again.
  findSent: false,
};

/**
 * Relays into TigerConnect as the bridge bot (the key/secret identity): `POST /v2/message`
 * with the channel id as `recipient` (a 1:1 partner or a group token, see README) and the echo
 * marker as a `bridge:origin` data entry, so the bot's own post is recognized on the stream.
 */
export function createTigerConnectOutboundAdapter(options: {
  env: NodeJS.ProcessEnv;
  secrets: SecretValues;
  fetch?: typeof fetch;
}): OutboundAdapter {
  const configured = readTigerConnectConfig(options.secrets, options.env);
  const client = configured.config && createTigerConnectClient(configured.config, options.fetch);
  return {
    provider: 'tigerconnect',
    capabilities: () => CAPABILITIES,
    unavailableReason: () => configured.unavailable,
    async send(target, message) {
      if (!client)
        throw new NotConfiguredError(configured.unavailable ?? 'tigerconnect is not configured');
      const messageId = await client.sendMessage({
        body: message.text,
        recipient: target.channel,
        data: [
          originDataEntry({
            provider: message.marker.origin,
            originMessageId: message.marker.originMessageId,
            eventId: message.marker.eventId,
          }),
        ],
      });
      return { messageId };
    },
  };
}
