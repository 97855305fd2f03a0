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
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionName = keyof typeof FUNCTIONS;

export interface HttpRoute {
  method: 'GET' | 'POST';
  path: string;
  function: FunctionName;
}

/** HTTP API routes (API Gateway HTTP API v2 route keys). */
export const HTTP_ROUTES: readonly HttpRoute[] = [
  { method: 'GET', path: '/health', function: 'Health' },
  { method: 'POST', path: '/webhooks/{provider}', function: 'Webhook' },
];
