import type { FunctionName } from '../functions/infra/functions';

/**
 * How a function is invoked and what it may touch.
 *
 * - `invocation`: `sync` callers (API Gateway, the IVS review hook) see the error themselves;
 *   `async` callers (CloudWatch Logs subscriptions) do not, so those functions get a
 *   dead-letter queue that keeps the failed event for replay.
 * - `events`: `ingest` is the conditional PutItem of DynamoEventStore.putEvent on the events
 *   table only (no index ARNs, no Update/Delete/BatchWrite); `history` is Query on the
 *   `bySubject` index only.
 * - `providerSecrets`: read the ProviderSecrets secret; only these functions get its ARN.
 * - `ivsChatTokens`: ivschat:CreateChatToken on the bridged room ARNs only.
 */
export interface FunctionWiring {
  invocation: 'sync' | 'async';
  events: 'none' | 'ingest' | 'history';
  providerSecrets: boolean;
  ivsChatTokens?: boolean;
}

/** A function another construct owns and has not been built yet (see ChatBridgeStack). */
export interface DeferredWiring {
  deferred: 'relay' | 'websocket';
}

/**
 * Every name in FUNCTIONS, decided here and nowhere else: a new function does not compile
 * until its wiring is decided. Deferred functions are not deployed by this stack yet; the
 * relay and WebSocket constructs will create them with their event sources.
 */
export const FUNCTION_WIRING = {
  // Reports which providers are configured, which needs the secret's keys (never returned).
  Health: { invocation: 'sync', events: 'none', providerSecrets: true },
  // Verifies webhook keys and secrets held in the secret, then stores.
  Webhook: { invocation: 'sync', events: 'ingest', providerSecrets: true },
  // IVS authenticates by IAM (the invoke permission), so the IVS paths never read secrets.
  IvsReview: { invocation: 'sync', events: 'ingest', providerSecrets: false },
  IvsChatLog: { invocation: 'async', events: 'ingest', providerSecrets: false },
  // Verifies the app JWT (APP_JWT_SECRET lives in the secret) and reads bridge history.
  History: { invocation: 'sync', events: 'history', providerSecrets: true },
  // Verifies the app JWT, then mints IVS tokens (IAM) or Gitple/Pingstreams tokens (secrets).
  Tokens: { invocation: 'sync', events: 'none', providerSecrets: true, ivsChatTokens: true },
  // AZStack's Authentication URL: its RSA key and secret code, and APP_JWT_SECRET, are secrets.
  AuthAzStack: { invocation: 'sync', events: 'none', providerSecrets: true },
  Relay: { deferred: 'relay' },
  // Lists and replays the relay's delivery DLQ: built with the relay.
  DeadLetters: { deferred: 'relay' },
  WsConnect: { deferred: 'websocket' },
  WsDisconnect: { deferred: 'websocket' },
  WsMessage: { deferred: 'websocket' },
} as const satisfies Record<FunctionName, FunctionWiring | DeferredWiring>;

type Wiring = typeof FUNCTION_WIRING;

/** The functions this stack deploys today. */
export type WiredFunctionName = {
  [K in FunctionName]: Wiring[K] extends FunctionWiring ? K : never;
}[FunctionName];

export function isWired(name: FunctionName): name is WiredFunctionName {
  return !('deferred' in FUNCTION_WIRING[name]);
}

export function wiringOf(name: WiredFunctionName): FunctionWiring {
  return FUNCTION_WIRING[name];
}

export const WIRED_FUNCTIONS: readonly WiredFunctionName[] = (
  Object.keys(FUNCTION_WIRING) as FunctionName[]
).filter(isWired);
