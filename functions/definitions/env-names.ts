/**
 * Every variable the bridge itself reads, with what it is for. Each provider declares its own
 * variables in its module (`functions/providers/<name>/index.ts`); the stack, the local runtime
 * and `.env.example` take both lists, so a name is written once.
 */
export const ENV_VARS = {
  APP_JWT_SECRET: 'HS256 secret for app JWTs (or use APP_JWKS_URL)',
  APP_JWKS_URL: 'JWKS URL for RS256 app JWTs',
  APP_JWT_ISSUER: 'expected iss of app JWTs (optional)',
  APP_JWT_AUDIENCE: 'expected aud of app JWTs (optional)',
  BRIDGES_FILE: 'the bridges configuration (default bridges.json)',
  CORS_ALLOWED_ORIGINS:
    'browser origins allowed to call the HTTP API, comma-separated (e.g. https://app.example.com); locally any http://localhost:* / http://127.0.0.1:* origin when unset; on AWS read at synth into the stack property corsAllowedOrigins',
  IVS_ROOMS:
    'IVS rooms that bridges made at run time may use beyond those of the bridges file: room ARNs or arn:aws:ivschat:<region>:<account>:room/*, comma-separated; read at synth into the stack property ivsRooms (default: the file rooms only)',
  IVS_REACHABLE_ROOMS:
    'the IVS rooms the deployed IAM grants reach (room ARNs or arn:aws:ivschat:<region>:<account>:room/*, comma-separated); the operator API refuses others; unset locally, where every room is reachable',
  EVENTS_TABLE: 'DynamoDB events table name',
  STATE_TABLE: 'DynamoDB relay-state table name',
  BRIDGES_TABLE: 'DynamoDB bridges table name (bridges at run time: file, API and rules)',
  BRIDGES_CACHE_TTL_MS:
    'how long a function uses its bridges snapshot before checking the table (default 2000)',
  EVENT_RETENTION_DAYS: 'days before stored events expire (TTL, default 30)',
  WS_MANAGEMENT_ENDPOINT:
    'API Gateway @connections endpoint, https://<api>.execute-api.<region>.amazonaws.com/<stage>',
  DEAD_LETTER_QUEUE_URL: 'SQS queue that keeps failed deliveries with their full payload',
  WEBSOCKET_URL: 'the WebSocket API URL the console page connects to (wss://<api>/<stage>)',
  CONSOLE_PAGE_FILE: 'the built console page (default: console.html beside the handler)',
  FANOUT_CONCURRENCY: 'WebSocket pushes in flight at once (default 64)',
  FANOUT_TIMEOUT_MS: 'timeout of one WebSocket push (default 3000)',
  FANOUT_FUNCTION_NAME:
    'the FanOut function: audiences above FANOUT_PAGE_THRESHOLD are posted by its invocations',
  FANOUT_PAGE_THRESHOLD: 'subscribers above which a fan-out is split into pages (default 2000)',
  FANOUT_PAGE_SIZE: 'connections per fan-out page (default 1000; pages stay under 256 KB)',
  LOG_LEVEL: 'debug | info | warn | error (default info; locally debug also shows metrics)',
  PROVIDER_SECRETS_ARN: 'Secrets Manager secret holding provider credentials (AWS only)',
  ALLOW_LOOPBACK_HTTP:
    'true lets deliveries to customer URLs use http to loopback addresses (local runtime and tests only; never deployed)',
} as const;

export type EnvName = keyof typeof ENV_VARS;

/**
 * Local-runtime switches the stack never deploys, whatever the deployer's shell holds: on
 * Lambda, loopback is the runtime API, which no customer URL may reach.
 */
export const LOCAL_ONLY_ENV_VARS = ['ALLOW_LOOPBACK_HTTP'] as const satisfies readonly EnvName[];

/** The bridge's own secrets: on AWS they live in Secrets Manager, never in plain env. */
export const SECRET_ENV_VARS = ['APP_JWT_SECRET'] as const satisfies readonly EnvName[];
