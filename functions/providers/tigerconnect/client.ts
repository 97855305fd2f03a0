import { ProviderError } from '../../core/errors';
import type { SecretValues } from '../../core/secrets';
import {
  createProviderHttp,
  discardBody,
  httpBaseUrl,
  readProviderSettings,
  type ProviderConfigResult,
} from '../shared/provider-http';

/** Production REST base of the current JS SDK ([V] README TC-1). */
export const DEFAULT_TIGERCONNECT_API_URL = 'https://api.tigertext.me';

/** The header carrying the new message's id on the 204 of `POST /v2/message` ([V] README TC-12). */
export const MESSAGE_ID_HEADER = 'tt-x-message-id';

export interface TigerConnectApiConfig {
  /** Scheme, host and optional path prefix, without `/v2` and without a trailing slash. */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
}

export type TigerConnectConfigResult = ProviderConfigResult<TigerConnectApiConfig>;

/**
 * The REST v2 credentials: one key/secret pair is one identity (the bridge bot): [V] README TC-2.
 * Secrets Manager values win; plain environment values are the fallback (the local runtime).
 */
export function readTigerConnectConfig(
  secrets: SecretValues,
  env: NodeJS.ProcessEnv = {},
): TigerConnectConfigResult {
  const settings = readProviderSettings(
    'tigerconnect',
    ['TIGERCONNECT_API_KEY', 'TIGERCONNECT_API_SECRET'],
    secrets,
    env,
    { optional: ['TIGERCONNECT_API_URL'], joinMissing: ' and ' },
  );
  if (!settings.config) return settings;
  const { TIGERCONNECT_API_URL: rawUrl = DEFAULT_TIGERCONNECT_API_URL } = settings.config;
  const baseUrl = httpBaseUrl('tigerconnect', 'TIGERCONNECT_API_URL', rawUrl);
  if (baseUrl.config === undefined) return baseUrl;
  return {
    config: {
      baseUrl: baseUrl.config,
      apiKey: settings.config.TIGERCONNECT_API_KEY,
      apiSecret: settings.config.TIGERCONNECT_API_SECRET,
    },
  };
}

/** One `data[]` entry of a TigerConnect message ([V] README TC-10, TC-12). */
export interface TigerConnectDataItem {
  namespace: string;
  mimetype?: string;
  payload: string;
}

/** The JSON body of `POST /v2/message` the bridge sends ([V] README TC-12). */
export interface TigerConnectSendBody {
  body: string;
  /** A user token, group token, email or phone number. */
  recipient: string;
  data?: TigerConnectDataItem[];
}

export interface TigerConnectClient {
  /** `POST /v2/message`; resolves to the id from `TT-X-Message-Id`. */
  sendMessage(message: TigerConnectSendBody): Promise<string>;
  /** `GET /v2/events`: the open event stream's body; `signal` ends it. */
  openEventStream(signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /** `POST /v2/events/ack {"events": [ids]}` -> 204. */
  ackEvents(eventIds: readonly string[]): Promise<void>;
}

/**
 * The three REST v2 calls the bridge makes, shared by the outbound adapter and the poller.
 * Every failure is a ProviderError: with the HTTP status (and Retry-After) when TigerConnect
 * answered, without one when it could not be reached, so the relay's retry policy can tell a
 * refusal from an outage. Messages never carry the credentials or a response body.
 */
export function createTigerConnectClient(
  config: TigerConnectApiConfig,
  fetchImpl?: typeof fetch,
): TigerConnectClient {
  const authorization = `Basic ${Buffer.from(`${config.apiKey}:${config.apiSecret}`).toString('base64')}`;
  const http = createProviderHttp({
    provider: 'tigerconnect',
    baseUrl: config.baseUrl,
    fetch: fetchImpl,
  });
  // Every call carries the same Basic auth and only a 2xx answer is of use. Sends and acks
  // keep the shared short timeout; the event stream passes its own, longer-lived signal.
  const call = (
    action: string,
    path: string,
    init: { method: 'GET' | 'POST'; body?: unknown; accept?: string; signal?: AbortSignal },
  ): Promise<Response> =>
    http.callOk(action, path, {
      method: init.method,
      headers: { authorization, accept: init.accept ?? 'application/json' },
      body: init.body,
      signal: init.signal,
    });

  return {
    async sendMessage(message) {
      const response = await call('send the message', '/v2/message', {
        method: 'POST',
        body: message,
      });
      await discardBody(response);
      const messageId = response.headers.get(MESSAGE_ID_HEADER);
      if (!messageId) {
        // Sent, but the copy could never be edited or mapped: a retry would post it twice, so
        // this is a permanent failure (a 2xx status is not retryable).
        throw new ProviderError(
          'tigerconnect accepted the message without a TT-X-Message-Id header',
          response.status,
        );
      }
      return messageId;
    },

    async openEventStream(signal) {
      // No `TT-X-Features: auto-ack`: the bridge acks each event only after storing it, so a
      // crash or a failed write replays the event instead of losing it.
      const response = await call('open the event stream', '/v2/events', {
        method: 'GET',
        accept: 'text/event-stream',
        signal,
      });
      if (!response.body) {
        throw new ProviderError(
          'tigerconnect opened the event stream without a body',
          response.status,
        );
      }
      return response.body;
    },

    async ackEvents(eventIds) {
      const response = await call('ack events', '/v2/events/ack', {
        method: 'POST',
        body: { events: eventIds },
      });
      await discardBody(response);
    },
  };
}
