/**
 * `npm run ws -- --token <app JWT> [--bridge support] [--after <cursor>]`: a WebSocket client
 * for trying the bridge. It connects to the running `npm start` (found through
 * <data>/runtime.json) or --url, subscribes to the bridge and prints every frame as one JSON
 * line until Ctrl-C.
 */
import '../local/tooling/sdk-node-warning';
import WebSocket from 'ws';
import { fail, parseScriptArgs, runningRuntime } from './cli';

const USAGE = `Usage: npm run ws -- --token <app JWT> [--bridge <id>] [--after <cursor>] [--url <ws url>]

Subscribes to a bridge (default "support") on the running \`npm start\` and prints each frame.
Get a token with: TOKEN=$(npm run -s token -- --sub alice)`;

const { values } = parseScriptArgs(
  {
    options: {
      token: { type: 'string' },
      bridge: { type: 'string', default: 'support' },
      after: { type: 'string' },
      url: { type: 'string' },
      data: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  },
  USAGE,
);
if (!values.token) fail(`--token is required\n\n${USAGE}`, 2);

const { file, running } = runningRuntime(values.data);
const url = values.url ?? running?.wsUrl;
if (!url) {
  fail(
    `No local runtime is running (nothing live in ${file}). Start it with \`npm start\`, or pass --url.`,
  );
}

const socket = new WebSocket(`${url}/?token=${encodeURIComponent(values.token)}`);
socket.on('unexpected-response', (_request, response) => {
  let body = '';
  response.on('data', (chunk: Buffer) => (body += chunk.toString()));
  response.on('end', () => fail(`Connection refused (${response.statusCode}): ${body}`));
});
socket.on('error', (error) => fail(`Could not connect to ${url}: ${error.message}`));
socket.on('open', () => {
  socket.send(
    JSON.stringify({
      action: 'subscribe',
      bridge: values.bridge,
      ...(values.after && { after: values.after }),
    }),
  );
});
socket.on('message', (data) => console.log(String(data)));
socket.on('close', (code, reason) => {
  console.error(`closed ${code} ${reason.toString()}`.trim());
  process.exit(0);
});
process.on('SIGINT', () => socket.close(1000));
