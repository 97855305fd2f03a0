export { ChatBridgeClient } from './client.js';
export type {
  ChatBridgeClientOptions,
  ClientEvents,
  ConnectionState,
  WebSocketConstructor,
  WebSocketLike,
} from './client.js';
export { fullJitterDelay, type BackoffOptions } from './backoff.js';
export { SendRefusedError, SendTimeoutError } from './pending-sends.js';
export type {
  AckFrame,
  BridgeEvent,
  DeliveryFrame,
  DeliveryStatus,
  ErrorFrame,
  ServerFrame,
} from './frames.js';
