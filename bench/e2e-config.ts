/** What the bridge process and the peers process of the end-to-end bench must agree on. */
export const JWT_SECRET = 'bench-app-jwt-secret-0123456789abcdef';
export const GITPLE_KEY = 'gitple-webhook-key-bench';
export const PINGSTREAMS_SECRET = 'pingstreams-project-secret';
/** The bridge the subscribers join; see benchBridges in bench/e2e-world.ts. */
export const BENCH_BRIDGE = 'bench';
/** The sending client's user (its `sub`). */
export const SENDER_SUB = 'bench-sender';

export interface SubscribeArgs {
  wsUrl: string;
  bridge: string;
  total: number;
  parallel?: number;
  /** One app JWT `sub` for every subscriber (one user's many connections); distinct if absent. */
  sub?: string;
}

export interface SteadyArgs {
  httpUrl: string;
  rate: number;
  durationMs: number;
  runId: number;
}

export interface SteadyResult {
  posted: number;
  failedPosts: number;
  /** Failed posts by HTTP status (0: no answer) with the first answer body seen for each. */
  failures: Record<string, { count: number; body: string }>;
  /** How late the poster got behind its schedule at worst (machine load). */
  scheduleLateMaxMs: number;
  /** Webhook POST start -> a subscriber holds the `event` frame, one entry per subscriber. */
  subscriberMs: number[];
  /** Webhook POST start -> the provider server received the relayed message, by provider. */
  providerMs: Record<string, number[]>;
  /** The provider servers' own time to answer each relayed message. */
  providerServiceMs: number[];
  missingFrames: number;
  missingProviderCopies: number;
}

export interface FanOutArgs {
  frame: unknown;
  marker: string;
  timeoutMs?: number;
}

/**
 * The direct-post baseline in the same runtime: Query the bridge's subscribers, then one
 * FanOut invocation (Lambda Invoke API) posts the frame to each at the relay's concurrency,
 * with the same management client, gateway and clients; no event store, no stream.
 */
export interface DirectFanOutArgs {
  marker: string;
  bridge: string;
  dynamoEndpoint: string;
  stateTable: string;
  /** Where the Lambda Invoke API is served (the runtime's HTTP API). */
  invokeEndpoint: string;
  timeoutMs?: number;
}
