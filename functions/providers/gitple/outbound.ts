import { NotConfiguredError } from '../../core/errors';
import type { OutboundAdapter, OutboundCapabilities } from '../../core/outbound';
import type { SecretValues } from '../../core/secrets';
import { carriesMarker, markerAttributes } from '../shared/marker';
import { createGitpleSdkClient, readGitpleBotConfig } from './sdk-client';

/**
 * No public length limit exists ([G] README GIT-23); 4000 code points is an assumption kept well inside what
 * chat clients render, and the relay truncates to it (reporting the truncation).
 */
export const GITPLE_MAX_TEXT_LENGTH = 4000;

/** Messages asked for per page when looking for a copy; Gitple publishes no maximum ([G] README GIT-32). */
export const GITPLE_LOOKUP_PAGE_SIZE = 100;
/**
 * Pages read, newest first, before a look for a copy gives up: a channel busier than this
 * many messages since the send is out of reach (the relay then sends again, flagged).
 */
export const GITPLE_LOOKUP_PAGES = 10;

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
  // [V] README GIT-30: the SDK lists a channel's messages, so a copy can be looked for.
  findSent: true,
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
    async findSent(target, marker, sentAfter) {
      const sdk = requireClient();
      const bot = configured.config!.botUserId;
      let beforeMessageId: number | undefined;
      for (let page = 0; page < GITPLE_LOOKUP_PAGES; page += 1) {
        const messages = await sdk.listMessages(target.channel, {
          limit: GITPLE_LOOKUP_PAGE_SIZE,
          ...(beforeMessageId !== undefined && { beforeMessageId }),
        });
        // The bot's message with the whole marker in its meta (where `send` put it).
        const copy = messages.find((m) => m.userId === bot && carriesMarker(m.meta, marker));
        if (copy) return { result: 'found', messageId: copy.messageId };
        // The channel's first message is behind us, or this page reaches back before the copy
        // could have been sent: every later message has been seen ([I] README GIT-31).
        if (messages.length === 0 || messages.some((m) => m.createdAt < sentAfter)) {
          return { result: 'absent' };
        }
        const ids = messages.map((m) => m.numericId);
        if (ids.some((id) => id === undefined)) {
          return {
            result: 'out-of-reach',
            reason: 'gitple message ids are not numbers to page by',
          };
        }
        beforeMessageId = Math.min(...(ids as number[]));
      }
      return {
        result: 'out-of-reach',
        reason: `more than ${GITPLE_LOOKUP_PAGES * GITPLE_LOOKUP_PAGE_SIZE} messages since the send`,
      };
    },
  };
}
