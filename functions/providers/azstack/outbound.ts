import type { OutboundAdapter } from '../../core/outbound';

/**
 * AZStack has no server-side send API: relaying into it needs a long-lived socket.io client
 * logged in as a bot, which a Lambda cannot be. Every delivery is reported `skipped` with this
 * reason instead of being dropped silently.
 */
export const AZSTACK_UNAVAILABLE =
  'azstack has no server-side send API (socket.io client protocol only); not relayed';

export function createAzStackOutboundAdapter(): OutboundAdapter {
  return {
    provider: 'azstack',
    capabilities: () => ({
      send: false,
      edit: false,
      delete: false,
      attachments: false,
      replies: false,
      maxTextLength: 0,
      findSent: false,
    }),
    unavailableReason: () => AZSTACK_UNAVAILABLE,
    send: () => Promise.reject(new Error(AZSTACK_UNAVAILABLE)),
  };
}
