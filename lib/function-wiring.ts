import {
  FUNCTIONS,
  HTTP_ROUTES,
  SCHEDULED_FUNCTIONS,
  STREAM_CONSUMERS,
  WS_ROUTES,
  type FunctionName,
} from '../functions/definitions/functions';
import type { BridgesAccess, EventsAccess, StateAccess } from './table-access';

/**
 * How a function is invoked:
 * - `sync`: the caller sees the error itself (API Gateway HTTP/WebSocket, the IVS review hook,
 *   `npm run dlq` through Lambda Invoke);
 * - `async`: nobody waits (CloudWatch Logs subscriptions), so a dead-letter queue keeps the
 *   failed event for replay;
 * - `stream`: polled by an event source mapping (STREAM_CONSUMERS), whose on-failure
 *   destination keeps what exhausts its retries;
 * - `schedule`: an EventBridge rule (SCHEDULED_FUNCTIONS) invokes it asynchronously, so it has
 *   the dead-letter queue too, and its reserved concurrency is the schedule's maxConcurrency.
 */
export type Invocation = 'sync' | 'async' | 'stream' | 'schedule';

/** Invocations Lambda runs asynchronously: only these ever reach a function's DLQ. */
export const ASYNC_INVOCATIONS: readonly Invocation[] = ['async', 'schedule'];

/**
 * How a function is invoked and what it may touch. Every grant a function gets follows from
 * these fields (lib/function-grants.ts); nothing is granted anywhere else.
 *
 * - `events` / `state` / `bridges`: table access, named after the code path that needs it (see
 *   lib/table-access.ts for the actions and the table or index each one means).
 * - `providerSecrets`: read the ProviderSecrets secret; only these functions get its ARN.
 * - `relayRuntime`: the function builds `getRelayRuntime()`, which reads
 *   WS_MANAGEMENT_ENDPOINT and DEAD_LETTER_QUEUE_URL at init (failing fast without them), so it
 *   gets both values. Values only: access to either is granted by the two fields below.
 * - `webSocketPush`: execute-api:ManageConnections, POST to `@connections` on the one stage.
 * - `deliveryDeadLetters`: `park` sends failed deliveries to the delivery DLQ; `operate` also
 *   receives and deletes them (list and replay).
 * - `ivsChatTokens`: ivschat:CreateChatToken on every bridged room, for users' tokens.
 * - `ivsRelay`: what the IVS outbound adapter calls, on the rooms the relay writes to only.
 * - `webSocketUrl`: the function gets WEBSOCKET_URL (a value, no access).
 * - `invokesFanOut`: lambda:InvokeFunction on the FanOut function's ARN only, and its name in
 *   FANOUT_FUNCTION_NAME: audiences above the page threshold are posted by its invocations.
 * - `managementEndpoint`: WS_MANAGEMENT_ENDPOINT alone (FanOut), without the relay runtime.
 */
export interface FunctionWiring {
  invocation: Invocation;
  events: readonly EventsAccess[];
  state: readonly StateAccess[];
  bridges: readonly BridgesAccess[];
  providerSecrets: boolean;
  relayRuntime?: boolean;
  webSocketPush?: boolean;
  deliveryDeadLetters?: 'park' | 'operate';
  ivsChatTokens?: boolean;
  ivsRelay?: boolean;
  /** Gets WEBSOCKET_URL: the console page connects there. */
  webSocketUrl?: boolean;
  /** Gets IVS_REACHABLE_ROOMS (a value, no access): the operator API refuses other rooms. */
  ivsReachableRooms?: boolean;
  invokesFanOut?: boolean;
  managementEndpoint?: boolean;
}

/**
 * What the relay's delivery path touches: `relayBatch` and `replayDeadLetter` both read and
 * write delivery records and the message-id map, push to the bridge's subscribers (a Query on
 * `byGsi1`, and cleanup of connections that answer 410 Gone), park failed deliveries, and call
 * the outbound adapters (provider credentials; IVS through IAM).
 */
const DELIVERY = {
  bridges: ['read'],
  state: ['relayState', 'listSubscribers', 'removeConnection'],
  providerSecrets: true,
  relayRuntime: true,
  webSocketPush: true,
  ivsRelay: true,
} as const;

/**
 * Every name in FUNCTIONS, decided here and nowhere else: a new function does not compile
 * until its wiring is decided, and `assertInvocations` fails the synth when a route, stream
 * consumer or schedule names a function wired for another kind of invocation.
 */
export const FUNCTION_WIRING = {
  // Reports which providers are configured, which needs the secret's keys (never returned).
  Health: { invocation: 'sync', events: [], state: [], bridges: [], providerSecrets: true },
  // Verifies webhook keys and secrets held in the secret, then stores.
  Webhook: {
    invocation: 'sync',
    events: ['ingest'],
    state: [],
    bridges: ['read', 'rules'],
    providerSecrets: true,
  },
  // IVS authenticates by IAM (the invoke permission), so the IVS paths never read secrets.
  IvsReview: {
    invocation: 'sync',
    events: ['ingest'],
    state: [],
    bridges: ['read', 'rules'],
    providerSecrets: false,
  },
  IvsChatLog: {
    invocation: 'async',
    events: ['ingest'],
    state: [],
    bridges: ['read', 'rules'],
    providerSecrets: false,
  },
  // Verifies the app JWT (APP_JWT_SECRET lives in the secret) and reads bridge history.
  History: {
    invocation: 'sync',
    events: ['history'],
    state: [],
    bridges: ['read'],
    providerSecrets: true,
  },
  // Verifies the app JWT and its operator role, then reads and writes the bridges table.
  Bridges: {
    invocation: 'sync',
    events: [],
    state: [],
    bridges: ['manage'],
    providerSecrets: true,
    ivsReachableRooms: true,
  },
  // Verifies the app JWT, then mints IVS tokens (IAM) or Gitple/Pingstreams tokens (secrets).
  Tokens: {
    invocation: 'sync',
    events: [],
    state: [],
    bridges: ['read'],
    providerSecrets: true,
    ivsChatTokens: true,
  },
  // AZStack's Authentication URL: its RSA key and secret code, and APP_JWT_SECRET, are secrets.
  AuthAzStack: { invocation: 'sync', events: [], state: [], bridges: [], providerSecrets: true },
  // Reads the events stream (the event source mapping grants the stream itself).
  Relay: {
    invocation: 'stream',
    events: [],
    ...DELIVERY,
    deliveryDeadLetters: 'park',
    invokesFanOut: true,
  },
  // One page of a large fan-out, invoked by the relay (RequestResponse): it posts to
  // `@connections` and reports gone connections back; it reads and writes no table.
  FanOut: {
    invocation: 'sync',
    events: [],
    state: [],
    bridges: [],
    providerSecrets: false,
    webSocketPush: true,
    managementEndpoint: true,
  },
  // `npm run dlq`: lists the delivery DLQ and replays letters through the relay's own path; a
  // replay that fails again is parked as a new letter before the old one is deleted.
  DeadLetters: { invocation: 'sync', events: [], ...DELIVERY, deliveryDeadLetters: 'operate' },
  // The console's operator routes: the same list and replay, behind an app JWT with role
  // `operator` (APP_JWT_SECRET lives in the secret).
  DeadLettersApi: { invocation: 'sync', events: [], ...DELIVERY, deliveryDeadLetters: 'operate' },
  // Serves a static page; the page itself calls the API with the user's app JWT.
  Console: {
    invocation: 'sync',
    events: [],
    state: [],
    bridges: [],
    providerSecrets: false,
    webSocketUrl: true,
  },
  // Verifies the app JWT from `?token=` (APP_JWT_SECRET) and stores the connection's identity.
  WsConnect: {
    invocation: 'sync',
    events: [],
    state: ['registerConnection'],
    bridges: [],
    providerSecrets: true,
  },
  // Deletes the connection and its subscriptions (Query by the connection key, BatchWrite).
  WsDisconnect: {
    invocation: 'sync',
    events: [],
    state: ['removeConnection'],
    bridges: [],
    providerSecrets: false,
  },
  // Reads the stored identity (never a secret: the connection was verified at $connect),
  // (un)subscribes, stores `send` frames like any ingest (in gateway order, through the gate), replays history on subscribe, and
  // answers through @connections (a 410 Gone removes the connection).
  WsMessage: {
    invocation: 'sync',
    events: ['ingest', 'history'],
    state: ['readConnection', 'subscriptions', 'sendOrder', 'removeConnection'],
    bridges: ['read'],
    providerSecrets: false,
    relayRuntime: true,
    webSocketPush: true,
  },
  // TigerConnect credentials are secrets; each record is stored like a webhook delivery.
  Pollers: {
    invocation: 'schedule',
    events: ['ingest'],
    state: [],
    bridges: ['read', 'rules'],
    providerSecrets: true,
  },
} as const satisfies Record<FunctionName, FunctionWiring>;

export function wiringOf(name: FunctionName): FunctionWiring {
  return FUNCTION_WIRING[name];
}

/** Every function this stack deploys: all of FUNCTIONS, each with its wiring. */
export const FUNCTION_NAMES: readonly FunctionName[] = Object.keys(FUNCTIONS) as FunctionName[];

export interface InvocationSource {
  source: string;
  function: FunctionName;
  invocation: Invocation;
}

/** Which invocation each route, stream consumer and schedule implies for its function. */
export function invocationSources(): InvocationSource[] {
  return [
    ...HTTP_ROUTES.map((r) => ({
      source: `HTTP_ROUTES ${r.method} ${r.path}`,
      function: r.function,
      invocation: 'sync' as const,
    })),
    ...WS_ROUTES.map((r) => ({
      source: `WS_ROUTES ${r.routeKey}`,
      function: r.function,
      invocation: 'sync' as const,
    })),
    ...STREAM_CONSUMERS.map((c) => ({
      source: `STREAM_CONSUMERS ${c.table}`,
      function: c.function,
      invocation: 'stream' as const,
    })),
    // The relay invokes FanOut and waits for each page's answer (functions/infra/fan-out-pages.ts).
    { source: 'Relay fan-out pages', function: 'FanOut', invocation: 'sync' as const },
    ...SCHEDULED_FUNCTIONS.map((s) => ({
      source: 'SCHEDULED_FUNCTIONS',
      function: s.function,
      invocation: 'schedule' as const,
    })),
  ];
}

/**
 * Where the sources and the wiring disagree: a source invoking a function wired otherwise
 * (one wired `sync` behind a schedule would have no DLQ), or a stream or scheduled function
 * that nothing invokes that way (it would never run).
 */
export function invocationProblems(
  sources: readonly InvocationSource[],
  wiringFor: (name: FunctionName) => FunctionWiring = wiringOf,
): string[] {
  const problems: string[] = [];
  for (const expected of sources) {
    const actual = wiringFor(expected.function).invocation;
    if (actual !== expected.invocation) {
      problems.push(
        `${expected.source} invokes ${expected.function} as ${expected.invocation}, but FUNCTION_WIRING says ${actual}`,
      );
    }
  }
  for (const name of FUNCTION_NAMES) {
    const { invocation } = wiringFor(name);
    if (invocation !== 'stream' && invocation !== 'schedule') continue;
    if (!sources.some((s) => s.function === name && s.invocation === invocation)) {
      problems.push(`${name} is wired as ${invocation}, but nothing invokes it that way`);
    }
  }
  return problems;
}

/** Fail the synth, naming every disagreement, before anything is built. */
export function assertInvocations(): void {
  const problems = invocationProblems(invocationSources());
  if (problems.length > 0) throw new Error(`FUNCTION_WIRING: ${problems.join('; ')}`);
}
