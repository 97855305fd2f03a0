import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR } from './dev-config';

export interface CliOptions {
  memory: boolean;
  dataDir: string;
  quiet: boolean;
  jsonLogs: boolean;
  port: number;
  wsPort: number;
  help: boolean;
}

export const USAGE = `Usage: npm start -- [options]

Runs the whole bridge on 127.0.0.1 with the same handlers as on AWS.

Options:
  --memory          keep nothing on disk (DynamoDB in memory, dev secrets for this run)
  --data <dir>      data folder (default ${DEFAULT_DATA_DIR}/, or LOCAL_DATA_DIR)
  --port <n>        HTTP API + Lambda Invoke port (default 3000, or PORT; 0 = any free port)
  --ws-port <n>     WebSocket API + @connections port (default 3001, or WS_PORT; 0 = any)
  --quiet           only warnings and errors after the banner
  --json-logs       one JSON object per log line
  -h, --help        this text

Configuration comes from the environment and .env (see .env.example).`;

/** Flags win over PORT / WS_PORT / LOCAL_DATA_DIR, which win over the defaults. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      memory: { type: 'boolean', default: false },
      data: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'json-logs': { type: 'boolean', default: false },
      port: { type: 'string' },
      'ws-port': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.memory && values.data !== undefined) {
    throw new Error('--memory and --data exclude each other');
  }
  return {
    memory: values.memory ?? false,
    dataDir: values.data ?? (env.LOCAL_DATA_DIR || DEFAULT_DATA_DIR),
    quiet: values.quiet ?? false,
    jsonLogs: values['json-logs'] ?? false,
    port: portOf('--port', values.port ?? env.PORT, 3000),
    wsPort: portOf('--ws-port', values['ws-port'] ?? env.WS_PORT, 3001),
    help: values.help ?? false,
  };
}

function portOf(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number (0-65535), got "${raw}"`);
  }
  return port;
}
