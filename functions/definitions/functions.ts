/**
 * Every Lambda and every route, defined once: the CDK stack deploys from this list and the
 * local runtime serves from it, so a path or handler can never be wired two ways.
 */
export interface FunctionDefinition {
  /** File under functions/ exporting `handler`. */
  entry: string;
  description: string;
  memorySize: number;
  timeoutSeconds: number;
  /** Bundle the console page (console/) beside the handler as `console.html`. */
  withConsolePage?: boolean;
}

export const FUNCTIONS = {
  Health: { entry: 'health.ts', description: 'GET /health', memorySize: 256, timeoutSeconds: 5 },
  Webhook: {
    entry: 'webhook.ts',
    description: 'POST /webhooks/{provider}: verify, normalize, store',
    memorySize: 512,
    timeoutSeconds: 10,
  },
  IvsReview: {
    entry: 'ivs-review.ts',
    description: 'IVS message review handler: ALLOW and store within 200 ms',
    // More memory is more CPU: the review path has a hard 200 ms deadline.
    memorySize: 1024,
    timeoutSeconds: 1,
  },
  IvsChatLog: {
    entry: 'ivs-chat-log.ts',
    description: 'IVS chat-logging subscription: idempotent ingest of messages and events',
    memorySize: 512,
    timeoutSeconds: 30,
  },
  History: {
    entry: 'history.ts',
    description: 'GET /bridges/{bridgeId}/events: history and catch-up',
    memorySize: 512,
    timeoutSeconds: 10,
  },
  Relay: {
    entry: 'relay.ts',
    description: 'Events stream: deliver to the bridge channels and WebSocket clients',
    // Lambda gives one full vCPU at 1,769 MB. A post costs ~0.27 ms of CPU (npm run bench),
    // so the 2,000 posts the relay makes itself below the paging threshold need that CPU to
    // keep pace with their network waits; less would throttle them.
    memorySize: 1769,
    // Long enough to wait out a provider Retry-After inside one invocation.
    timeoutSeconds: 120,
  },
  FanOut: {
    entry: 'fan-out.ts',
    description: 'One page of a large WebSocket fan-out: post a frame to its connections',
    // A page of 1,000 posts costs ~270 ms of CPU (npm run bench): one full vCPU (1,769 MB)
    // keeps that under the page's network-bound time; at 512 MB (under a third of a vCPU)
    // the page would take three times as long.
    memorySize: 1769,
    // A page of 1,000 posts at 64 in flight takes well under a second; 3 s per stuck post.
    timeoutSeconds: 60,
  },
  WsConnect: {
    entry: 'ws-connect.ts',
    description: 'WebSocket $connect: verify the app JWT',
    memorySize: 512,
    timeoutSeconds: 10,
  },
  WsDisconnect: {
    entry: 'ws-disconnect.ts',
    description: 'WebSocket $disconnect: forget the connection',
    memorySize: 256,
    timeoutSeconds: 10,
  },
  WsMessage: {
    entry: 'ws-message.ts',
    description: 'WebSocket frames: subscribe, unsubscribe, send, ping',
    memorySize: 512,
    timeoutSeconds: 29,
  },
  Tokens: {
    entry: 'tokens.ts',
    description: 'POST /tokens/{provider}: mint a provider client token for an app JWT',
    memorySize: 512,
    timeoutSeconds: 10,
  },
  Bridges: {
    entry: 'bridges-admin.ts',
    description: 'GET /bridges, GET|PUT|DELETE /bridges/{bridgeId}: operators manage bridges',
    memorySize: 512,
    timeoutSeconds: 10,
  },
  AuthAzStack: {
    entry: 'auth-azstack.ts',
    description: 'POST /auth/azstack: AZStack Authentication URL (RSA token + md5 code)',
    memorySize: 256,
    timeoutSeconds: 10,
  },
  DeadLetters: {
    entry: 'dlq.ts',
    description: 'Dead-letter queue: list and replay failed deliveries (npm run dlq)',
    memorySize: 512,
    timeoutSeconds: 300,
  },
  DeadLettersApi: {
    entry: 'dead-letters-http.ts',
    description: 'GET /dead-letters, POST /dead-letters/{messageId}/replay: operators only',
    memorySize: 512,
    // HTTP API gives up on an integration after 30 s.
    timeoutSeconds: 29,
  },
  Console: {
    entry: 'console.ts',
    description: 'GET /console: the live console page (it calls the API with an app JWT)',
    memorySize: 256,
    timeoutSeconds: 5,
    withConsolePage: true,
  },
  Pollers: {
    entry: 'pollers.ts',
    description: 'Every minute: each provider poller (TigerConnect) reads its source, stores, acks',
    memorySize: 512,
    timeoutSeconds: 60,
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionName = keyof typeof FUNCTIONS;

/** The console page's file beside a `withConsolePage` handler's bundle. */
export const CONSOLE_PAGE_FILE_NAME = 'console.html';

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  function: FunctionName;
}

/** HTTP API routes (API Gateway HTTP API v2 route keys). */
export const HTTP_ROUTES: readonly HttpRoute[] = [
  { method: 'GET', path: '/health', function: 'Health' },
  { method: 'POST', path: '/webhooks/{provider}', function: 'Webhook' },
  { method: 'POST', path: '/tokens/{provider}', function: 'Tokens' },
  { method: 'POST', path: '/auth/azstack', function: 'AuthAzStack' },
  { method: 'GET', path: '/bridges/{bridgeId}/events', function: 'History' },
  { method: 'GET', path: '/dead-letters', function: 'DeadLettersApi' },
  { method: 'POST', path: '/dead-letters/{messageId}/replay', function: 'DeadLettersApi' },
  { method: 'GET', path: '/console', function: 'Console' },
  { method: 'GET', path: '/bridges', function: 'Bridges' },
  { method: 'GET', path: '/bridges/{bridgeId}', function: 'Bridges' },
  { method: 'PUT', path: '/bridges/{bridgeId}', function: 'Bridges' },
  { method: 'DELETE', path: '/bridges/{bridgeId}', function: 'Bridges' },
];

/**
 * What answers a request no HTTP_ROUTES entry matches (the HTTP API's `$default` route), so an
 * unrouted path on AWS gets a problem+json 404 rather than API Gateway's `{"message":...}`.
 */
export const HTTP_FALLBACK_FUNCTION: FunctionName = 'Health';

export interface WebSocketRoute {
  /** `$connect`, `$disconnect`, `$default` or an `action` value. */
  routeKey: string;
  function: FunctionName;
}

/** WebSocket API routes; route selection is `$request.body.action`.  */
export const WS_ROUTES: readonly WebSocketRoute[] = [
  { routeKey: '$connect', function: 'WsConnect' },
  { routeKey: '$disconnect', function: 'WsDisconnect' },
  { routeKey: 'subscribe', function: 'WsMessage' },
  { routeKey: 'unsubscribe', function: 'WsMessage' },
  { routeKey: 'send', function: 'WsMessage' },
  { routeKey: 'ping', function: 'WsMessage' },
  { routeKey: '$default', function: 'WsMessage' },
];

export interface StreamConsumer {
  /** TableDefinition.logicalName of a table with a stream. */
  table: string;
  function: FunctionName;
}

/** Functions driven by a table's stream, with RELAY_STREAM_SETTINGS.  */
export const STREAM_CONSUMERS: readonly StreamConsumer[] = [{ table: 'Events', function: 'Relay' }];

export interface ScheduledFunction {
  function: FunctionName;
  /** Minutes between runs. */
  everyMinutes: number;
  /** At most this many at once: the TigerConnect stream must have one reader. */
  maxConcurrency: number;
}

export const SCHEDULED_FUNCTIONS: readonly ScheduledFunction[] = [
  { function: 'Pollers', everyMinutes: 1, maxConcurrency: 1 },
];
