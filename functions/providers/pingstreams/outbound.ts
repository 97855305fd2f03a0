import { NotConfiguredError } from '../../core/errors';
import type { OutboundAdapter, OutboundCapabilities } from '../../core/outbound';
import type { SecretValues } from '../../core/secrets';
import { carriesMarker, markerAttributes } from '../shared/marker';
import {
  PINGSTREAMS_BOT_NAME,
  PINGSTREAMS_LIST_MAX_BYTES,
  createPingstreamsApiClient,
  readPingstreamsBotConfig,
} from './api-client';

/**
 * No limit is enforced by tiledesk-server beyond the JSON body size, and the cloud's is
 * unknown ([G] README PS-20); 4000 code points keeps relayed text readable in the widget, and the relay
 * truncates to it (reporting the truncation).
 */
export const PINGSTREAMS_MAX_TEXT_LENGTH = 4000;

/**
 * Send only: Tiledesk has no message edit or delete API (the routes are commented out): [V] README PS-19.
 * Attachments are relayed as links in the text: a media message carries one `metadata`
 * object, so text plus several attachments would be several messages, and the message-id map
 * holds one id per copy. Messages have no reply field ([V] README PS-18).
 */
const CAPABILITIES: OutboundCapabilities = {
  send: true,
  edit: false,
  delete: false,
  attachments: false,
  replies: false,
  maxTextLength: PINGSTREAMS_MAX_TEXT_LENGTH,
  // [V] README PS-25: a request's messages can be listed, so a copy can be looked for.
  findSent: true,
};

/**
 * Relays into Pingstreams requests (the channel id is the `support-group-...` request id) as
 * the bridge bot, PINGSTREAMS_BOT_USER_ID signed in as `<project>_<bot>`. The widget labels
 * each message with `senderFullname`: the original sender's display name, else the bot's.
 */
export function createPingstreamsOutboundAdapter(options: {
  env: NodeJS.ProcessEnv;
  secrets: SecretValues;
  fetch?: typeof fetch;
  now?: () => number;
}): OutboundAdapter {
  const configured = readPingstreamsBotConfig(options.secrets, options.env);
  const client =
    configured.config &&
    createPingstreamsApiClient(configured.config, { fetch: options.fetch, now: options.now });
  const requireClient = () => {
    if (!client) {
      throw new NotConfiguredError(configured.unavailable ?? 'pingstreams is not configured');
    }
    return client;
  };
  return {
    provider: 'pingstreams',
    capabilities: () => CAPABILITIES,
    unavailableReason: () => configured.unavailable,
    async send(target, message) {
      const messageId = await requireClient().sendMessage(target.channel, {
        text: message.text,
        type: 'text',
        senderFullname: message.sender.displayName || PINGSTREAMS_BOT_NAME,
        attributes: markerAttributes(message.marker),
      });
      return { messageId };
    },
    // [V] README PS-23: a message to an unknown request id creates the request, so the first
    // relayed message opens it; nothing is called before. No `closeChannel`: closing a request
    // takes an agent, owner or admin, not the end user the bot signs in as ([I] README PS-24).
    async createChannel() {},
    /**
     * Tiledesk lists a request's messages whole, unpaged ([V] README PS-25): one call sees every
     * message, so `sentAfter` is not needed to bound it; only a list too long to parse is out
     * of reach.
     */
    async findSent(target, marker) {
      const messages = await requireClient().listMessages(target.channel);
      if (!messages) {
        const megabytes = PINGSTREAMS_LIST_MAX_BYTES / (1024 * 1024);
        return {
          result: 'out-of-reach',
          reason: `the request's message list is over ${megabytes} MB`,
        };
      }
      // [V] README PS-25: a copy's `sender` is the poster's own id, the bot's `<project>_<bot>`
      // ([V] README PS-16), as `send` names no other sender.
      const bot = `${configured.config!.projectId}_${configured.config!.botUserId}`;
      const copy = messages.find((m) => m.sender === bot && carriesMarker(m.attributes, marker));
      return copy ? { result: 'found', messageId: copy._id } : { result: 'absent' };
    },
  };
}
