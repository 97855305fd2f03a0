import {
  CreateChatTokenCommand,
  DeleteMessageCommand,
  SendEventCommand,
  type IvschatClient,
} from '@aws-sdk/client-ivschat';
import WebSocket from 'ws';
import { ProviderError } from '../../core/errors';
import type {
  DeliveryTarget,
  OutboundAdapter,
  OutboundCapabilities,
  OutboundMessage,
  SendResult,
} from '../../core/outbound';
import { BRIDGE_EVENT_NAME } from './inbound';
import { IvsMessagingPool } from './messaging-pool';
import {
  IvsMessagingConnection,
  type IvsChatSession,
  type MessagingWebSocketConstructor,
} from './messaging-socket';
import { eventAttributes, messageAttributes } from './outbound-attributes';
import { defaultIvsClientFor } from './token';

/** A room's `maximumMessageLength`: default and maximum 500 code points ([V] README IVS-12). */
export const IVS_MAX_MESSAGE_LENGTH = 500;
export const IVS_SEND_TIMEOUT_MS = 5000;
/** The longest session CreateChatToken grants: fewer reconnects while the container is warm. */
export const IVS_BOT_SESSION_MINUTES = 180;
export const IVS_BOT_DISPLAY_NAME = 'Bridge';
const RENEW_BEFORE_EXPIRY_MS = 60_000;
const DELETE_REASON_MAX_LENGTH = 256;
const DEFAULT_DELETE_REASON = 'deleted at the origin';

export const IVS_NOT_CONFIGURED = 'ivs is not configured: IVS_BOT_USER_ID is not set';

export interface IvsOutboundOptions {
  env: NodeJS.ProcessEnv;
  /** Control-plane client; by default one per room region (the SDK honours AWS_ENDPOINT_URL_IVSCHAT). */
  ivs?: IvschatClient;
  webSocket?: MessagingWebSocketConstructor;
  /** How long a SEND_MESSAGE (and opening its socket) may wait for IVS to answer. */
  sendTimeoutMs?: number;
  now?: () => number;
}

/** The adapter plus `close()`, which ends the pooled sockets (tests, local runtime shutdown). */
export interface IvsOutboundAdapter extends OutboundAdapter {
  close(): void;
}

const CAPABILITIES: OutboundCapabilities = {
  send: true,
  edit: false, // IVS has no edit operation
  delete: true,
  attachments: false,
  replies: false,
  maxTextLength: IVS_MAX_MESSAGE_LENGTH,
  // [V] README IVS-34: no API lists a room's messages; an unknown outcome is sent again.
  findSent: false,
};

/**
 * Relay into IVS rooms. Default mode: the bridge bot sends a real chat MESSAGE over the
 * messaging WebSocket, so every IVS client shows it with no frontend change. Mode `event`:
 * a `bridge:message` custom event through SendEvent, for frontends that render those.
 */
export function createIvsOutboundAdapter(options: IvsOutboundOptions): IvsOutboundAdapter {
  const botUserId = options.env.IVS_BOT_USER_ID || undefined;
  const messagingUrlOverride = options.env.IVS_MESSAGING_URL || undefined;
  const fallbackRegion = options.env.AWS_REGION || undefined;
  const sendTimeoutMs = options.sendTimeoutMs ?? IVS_SEND_TIMEOUT_MS;
  const webSocket = options.webSocket ?? WebSocket;
  const now = options.now ?? Date.now;

  const regionOf = (roomArn: string) => roomArn.split(':')[3] || fallbackRegion || 'us-east-1';
  const clientFor = (roomArn: string) => options.ivs ?? defaultIvsClientFor(regionOf(roomArn));
  // The token is regional, so the edge is the room's region unless IVS_MESSAGING_URL says otherwise.
  const messagingUrl = (roomArn: string) =>
    messagingUrlOverride ?? `wss://edge.ivschat.${regionOf(roomArn)}.amazonaws.com`;

  const mintBotSession = async (roomArn: string): Promise<IvsChatSession> => {
    const output = await callIvs('CreateChatToken', () =>
      clientFor(roomArn).send(
        new CreateChatTokenCommand({
          roomIdentifier: roomArn,
          userId: botUserId!,
          capabilities: ['SEND_MESSAGE'],
          sessionDurationInMinutes: IVS_BOT_SESSION_MINUTES,
          attributes: { displayName: IVS_BOT_DISPLAY_NAME },
        }),
      ),
    );
    if (!output.token || !output.sessionExpirationTime) {
      throw new ProviderError('ivs answered CreateChatToken without a token');
    }
    return { token: output.token, sessionExpirationTime: output.sessionExpirationTime };
  };

  const pool = new IvsMessagingPool({
    connect: async (roomArn) =>
      IvsMessagingConnection.open({
        url: messagingUrl(roomArn),
        session: await mintBotSession(roomArn),
        webSocket,
        timeoutMs: sendTimeoutMs,
      }),
    now,
    renewBeforeExpiryMs: RENEW_BEFORE_EXPIRY_MS,
  });

  const sendAsMessage = async (
    target: DeliveryTarget,
    message: OutboundMessage,
  ): Promise<SendResult> => {
    const length = Array.from(message.text).length;
    if (length > IVS_MAX_MESSAGE_LENGTH) {
      // The relay fits text to maxTextLength; reaching here is a bug upstream. IVS would answer
      // 413 for it, so it is refused the same way (permanent) instead of being cut silently.
      throw new ProviderError(
        `text is ${length} code points; ivs accepts at most ${IVS_MAX_MESSAGE_LENGTH} (not sent)`,
        413,
      );
    }
    const attributes = messageAttributes(message.marker, senderName(message));
    const messageId = await pool.sendMessage(
      target.channel,
      message.text,
      attributes,
      sendTimeoutMs,
    );
    return { messageId };
  };

  const sendAsEvent = async (
    target: DeliveryTarget,
    message: OutboundMessage,
  ): Promise<SendResult> => {
    const { attributes } = eventAttributes(message.marker, senderName(message), message.text);
    const output = await callIvs('SendEvent', () =>
      clientFor(target.channel).send(
        new SendEventCommand({
          roomIdentifier: target.channel,
          eventName: BRIDGE_EVENT_NAME,
          attributes,
        }),
      ),
    );
    if (!output.id) throw new ProviderError('ivs answered SendEvent without an id');
    return { messageId: output.id };
  };

  return {
    provider: 'ivs',
    capabilities: () => CAPABILITIES,
    unavailableReason: () => (botUserId ? undefined : IVS_NOT_CONFIGURED),
    send: (target, message) =>
      target.mode === 'event' ? sendAsEvent(target, message) : sendAsMessage(target, message),
    delete: async (target, targetMessageId, reason) => {
      await callIvs('DeleteMessage', () =>
        clientFor(target.channel).send(
          new DeleteMessageCommand({
            roomIdentifier: target.channel,
            id: targetMessageId,
            reason: deleteReason(reason),
          }),
        ),
      );
    },
    close: () => pool.close(),
  };
}

function senderName(message: OutboundMessage): string {
  return message.sender.displayName ?? message.sender.id;
}

/** DeleteMessage takes a reason of 1-256 characters ([V] README IVS-17). */
function deleteReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed === '') return DEFAULT_DELETE_REASON;
  return Array.from(trimmed).slice(0, DELETE_REASON_MAX_LENGTH).join('');
}

/** Control-plane calls: SDK failures become ProviderError with the HTTP status the relay reads. */
async function callIvs<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw ivsSdkError(operation, error);
  }
}

export function ivsSdkError(operation: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const metadataStatus = (error as { $metadata?: { httpStatusCode?: number } } | undefined)
    ?.$metadata?.httpStatusCode;
  const status = metadataStatus ?? (name === 'ThrottlingException' ? 429 : undefined);
  if (status === undefined) {
    return new ProviderError(`ivs could not be reached for ${operation}`, undefined, {
      cause: error,
    });
  }
  // The exception name is the provider's code; its message may name ARNs and accounts, so no.
  return new ProviderError(`ivs refused ${operation}: ${name}`, status, { cause: error });
}
