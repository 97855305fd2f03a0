/**
 * List, read, create, replace or delete bridges through the operator API of a running bridge.
 *
 *   npm run bridges -- list
 *   npm run bridges -- get <id>
 *   npm run bridges -- put <id> <bridge.json>            # create
 *   npm run bridges -- put <id> <bridge.json> --if-match 3  # replace version 3
 *   npm run bridges -- delete <id> [--if-match 3]
 *
 * Locally (npm start) it signs an operator dev token with the runtime's APP_JWT_SECRET and
 * finds the HTTP API in the data folder; elsewhere give --url and --token (an app JWT with
 * the `operator` role).
 */
import '../local/tooling/sdk-node-warning';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeBridges, type ListedBridge } from './bridges-table';
import { devTokenSecret, signDevToken } from '../local/tooling/dev-token';
import { loadDotEnv } from '../local/tooling/dev-config';

const USAGE =
  'usage: npm run bridges -- list | get <id> | put <id> <file.json> [--if-match N] | delete <id> [--if-match N]\n' +
  '       [--url <http api>] [--token <operator app JWT>] [--data <dir>] [--json]';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    'if-match': { type: 'string' },
    data: { type: 'string', default: '.local-data' },
    json: { type: 'boolean', default: false },
  },
});
const [action, id, file] = positionals;
const needsId = action === 'get' || action === 'put' || action === 'delete';
if (!['list', 'get', 'put', 'delete'].includes(action ?? '') || (needsId && !id)) {
  console.error(USAGE);
  process.exit(2);
}
if (action === 'put' && !file) {
  console.error(`put needs the bridge document: a JSON file\n${USAGE}`);
  process.exit(2);
}

loadDotEnv();
const dataDir = resolve(values.data!);
const baseUrl = values.url ?? localUrl(dataDir) ?? 'http://127.0.0.1:3000';
const token = values.token ?? process.env.BRIDGES_TOKEN ?? localToken(dataDir);

const path = action === 'list' ? '/bridges' : `/bridges/${encodeURIComponent(id!)}`;
const method = { list: 'GET', get: 'GET', put: 'PUT', delete: 'DELETE' }[action!]!;
const response = await fetch(`${baseUrl}${path}`, {
  method,
  headers: {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    ...(values['if-match'] && { 'if-match': `"${values['if-match']}"` }),
  },
  ...(action === 'put' && { body: readFileSync(resolve(file!), 'utf8') }),
});
const text = await response.text();
if (!response.ok) {
  const problem = text ? (JSON.parse(text) as { title?: string; detail?: string }) : {};
  console.error(`${response.status} ${problem.title ?? ''}: ${problem.detail ?? text}`);
  process.exit(1);
}
if (action === 'delete') {
  console.log(`deleted bridge "${id}"`);
} else if (action === 'list' && !values.json) {
  console.log(describeBridges((JSON.parse(text) as { bridges: ListedBridge[] }).bridges));
} else {
  console.log(JSON.stringify(JSON.parse(text), null, 2));
}

function localUrl(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(resolve(dir, 'runtime.json'), 'utf8')) as { httpUrl?: string })
      .httpUrl;
  } catch {
    return undefined;
  }
}

function localToken(dir: string): string {
  const secret = devTokenSecret(process.env, dir)?.secret;
  if (!secret) {
    console.error('no token: give --token, or run `npm start` first (it keeps a dev secret)');
    process.exit(2);
  }
  return signDevToken(
    { sub: 'bridges-cli', name: 'bridges CLI', roles: ['operator'], ttlSeconds: 300 },
    secret,
    process.env,
  );
}
