import { NotConfiguredError } from '../../core/errors';
import type { OutboundAdapter, OutboundCapabilities } from '../../core/outbound';
import type { SecretValues } from '../../core/secrets';
import { markerAttributes } from '../shared/marker';
import { createGitpleSdkClient, readGitpleBotConfig } from './sdk-client';

/**
 * No public length limit exists ([G] README GIT-23); 4000 code points is an assumption kept well inside what
 * chat clients render, and the relay truncates to it (reporting the truncation).
 */
export const GITPLE_MAX_TEXT_LENGTH = 4000;

/**
 * Send and delete. The SDK has no content-edit call (only meta updates): [V] README GIT-19. A file message
 * is a multipart upload of the bytes, which the bridge does not hold, so the relay writes
 * attachments as links into the text. Messages have no reply field ([V] README GIT-19).
 */
const CAPABILITIES: OutboundCapabilities = {
  send: true,
  edit: false,
  delete: true,
  attachments: false,
  replies: false,
  maxTextLength: GITPLE_MAX_TEXT_LENGTH,
};

/**
 * Relays into Gitple group channels as the bridge bot (GITPLE_BOT_USER_ID) through the SDK
 * REST API, the only verified send path (the server-side send API is not public: [G] README GIT-20);
 * creates portal channels as the bot and freezes them when their conversation ends.
 */
export function createGitpleOutboundAdapter(options: {
  env: NodeJS.ProcessEnv;
  secrets: SecretValues;
  fetch?: typeof fetch;
  now?: () => number;
}): OutboundAdapter {
  const configured = readGitpleBotConfig(options.secrets, options.env);
  const client =
    configured.config &&
    createGitpleSdkClient(configured.config, { fetch: options.fetch, now: options.now });
  const requireClient = () => {
    if (!client) throw new NotConfiguredError(configured.unavailable ?? 'gitple is not configured');
    return client;
  };
  return {
    provider: 'gitple',
    capabilities: () => CAPABILITIES,
    unavailableReason: () => configured.unavailable,
    async send(target, message) {
      const messageId = await requireClient().sendText(
        target.channel,
        message.text,
        markerAttributes(message.marker),
      );
      return { messageId };
    },
    async delete(target, targetMessageId) {
      // The SDK delete takes no reason; the origin's reason stays in the stored event.
      await requireClient().deleteMessage(target.channel, targetMessageId);
    },
    async createChannel(target, request) {
      await requireClient().createChannel(target.channel, request.name, request.members);
    },
    // Gitple has no archive; a frozen channel keeps its history and takes no new messages
    // from members ([I] README GIT-29).
    async closeChannel(target) {
      await requireClient().freezeChannel(target.channel);
    },
  };
}
