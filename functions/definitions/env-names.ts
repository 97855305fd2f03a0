/**
 * Every environment variable the bridge reads, with what it is for. The stack, the local
 * runtime and `.env.example` all come from this list, so a name is written once.
 */
export const ENV_VARS = {
  APP_JWT_SECRET: 'HS256 secret for app JWTs (or use APP_JWKS_URL)',
  APP_JWKS_URL: 'JWKS URL for RS256 app JWTs',
  APP_JWT_ISSUER: 'expected iss of app JWTs (optional)',
  APP_JWT_AUDIENCE: 'expected aud of app JWTs (optional)',
  BRIDGES_FILE: 'the bridges configuration (default bridges.json)',
  CORS_ALLOWED_ORIGINS:
    'browser origins allowed to call the HTTP API, comma-separated (e.g. https://app.example.com); locally any http://localhost:* / http://127.0.0.1:* origin when unset; on AWS read at synth into the stack property corsAllowedOrigins',
  EVENTS_TABLE: 'DynamoDB events table name',
  STATE_TABLE: 'DynamoDB relay-state table name',
  EVENT_RETENTION_DAYS: 'days before stored events expire (TTL, default 30)',
  WS_MANAGEMENT_ENDPOINT:
    'API Gateway @connections endpoint, https://<api>.execute-api.<region>.amazonaws.com/<stage>',
  DEAD_LETTER_QUEUE_URL: 'SQS queue that keeps failed deliveries with their full payload',
  FANOUT_CONCURRENCY: 'WebSocket pushes in flight at once (default 64)',
  FANOUT_TIMEOUT_MS: 'timeout of one WebSocket push (default 3000)',
  IVS_SESSION_MINUTES: 'IVS chat session length for issued tokens, 1-180 (default 60)',
  PROVIDER_SECRETS_ARN: 'Secrets Manager secret holding provider credentials (AWS only)',
  IVS_MESSAGING_URL: 'IVS messaging WebSocket (default wss://edge.ivschat.<region>.amazonaws.com)',
  IVS_BOT_USER_ID: 'identity of the bridge bot in IVS rooms',
  GITPLE_HOST: 'Gitple Live API host, e.g. live.example.com',
  GITPLE_APP_ID: 'Gitple app id',
  GITPLE_APP_API_KEY: 'Gitple platform API key',
  GITPLE_BOT_USER_ID: 'Gitple user the bridge posts as',
  GITPLE_WEBHOOK_KEY: 'secret carried as ?key= by the Gitple webhook URL',
  PINGSTREAMS_API_URL: 'Pingstreams API (default https://api.pingstreams.com/v3)',
  PINGSTREAMS_PROJECT_ID: 'Pingstreams project id',
  PINGSTREAMS_PROJECT_SECRET: 'Pingstreams project shared secret (custom JWT signing)',
  PINGSTREAMS_WEBHOOK_SECRET: 'Pingstreams subscription secret (x-hook-secret / token)',
  PINGSTREAMS_BOT_USER_ID: 'Pingstreams user the bridge posts as',
  TIGERCONNECT_API_URL: 'TigerConnect REST v2 base (default https://api.tigertext.me)',
  TIGERCONNECT_API_KEY: 'TigerConnect API key (Basic auth user)',
  TIGERCONNECT_API_SECRET: 'TigerConnect API secret (Basic auth password)',
  TIGERCONNECT_BOT_USER_ID:
    'TigerConnect user token the bridge posts as (its echoes are not relayed)',
  TIGERCONNECT_WEBHOOK_KEY: 'secret carried as ?key= by a TigerConnect event forwarder URL',
  AZSTACK_APP_ID: 'AZStack app id',
  AZSTACK_PRIVATE_KEY: 'AZStack app RSA private key (PEM)',
  AZSTACK_SECRET_CODE: 'AZStack secret code for the md5 check',
} as const;

export type EnvName = keyof typeof ENV_VARS;

/** The variables that are secrets: on AWS they live in Secrets Manager, never in plain env. */
export const SECRET_ENV_VARS = [
  'APP_JWT_SECRET',
  'GITPLE_APP_API_KEY',
  'GITPLE_WEBHOOK_KEY',
  'PINGSTREAMS_PROJECT_SECRET',
  'PINGSTREAMS_WEBHOOK_SECRET',
  'TIGERCONNECT_API_SECRET',
  'TIGERCONNECT_WEBHOOK_KEY',
  'AZSTACK_PRIVATE_KEY',
  'AZSTACK_SECRET_CODE',
] as const satisfies readonly EnvName[];
