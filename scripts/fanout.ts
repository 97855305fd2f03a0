/**
 * `npm run fanout -- [--subscribers 1000] [--rounds 3] [--one-user] [--seq] [--bridge support]`:
 * fan-out as a user measures it against the running `npm start` (found through
 * <data>/runtime.json): N WebSocket clients connect and subscribe in bursts of 50, one more
 * client sends, and the time until every subscriber holds the `event` frame is printed per
 * round, with the median. `--one-user` gives every client the sender's app JWT `sub` (one token
 * for all, as a quick load test does); `--seq` numbers the sends as @chat-bridge/client does.
 */
import '../local/tooling/sdk-node-warning';
import type WebSocket from 'ws';
import { open, subscribeOnce } from '../bench/e2e-subscribers';
import { fail, parseScriptArgs, runningRuntime } from './cli';

const USAGE = `Usage: npm run fanout -- [--subscribers <n>] [--rounds <n>] [--one-user] [--seq] [--bridge <id>]

Times one send -> all subscribers hold the event frame, on the running \`npm start\`.`;

const { values } = parseScriptArgs(
  {
    options: {
      subscribers: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '3' },
      'one-user': { type: 'boolean', default: false },
      seq: { type: 'boolean', default: false },
      bridge: { type: 'string', default: 'support' },
      data: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  },
  USAGE,
);
const total = Number(values.subscribers);
const rounds = Number(values.rounds);
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(rounds) || rounds < 1)
  fail(`--subscribers and --rounds take whole numbers from 1\n\n${USAGE}`, 2);

const { file, running } = runningRuntime(values.data);
if (!running?.appJwtSecret)
  fail(`No local runtime is running (nothing live in ${file}): npm start`);
const { wsUrl, appJwtSecret } = running;
const bridge = values.bridge;
const sender = 'fanout-sender';

let lastFrameAt = 0;
const clients: WebSocket[] = [];
for (let i = 0; i < total; i += 50) {
  const burst = Array.from({ length: Math.min(50, total - i) }, (_, k) =>
    open(wsUrl, values['one-user'] ? sender : `fanout-${i + k}`, appJwtSecret).then(
      async (socket) => {
        await subscribeOnce(socket, bridge);
        return socket;
      },
    ),
  );
  clients.push(...(await Promise.all(burst)));
}
for (const client of clients) client.on('message', () => (lastFrameAt = performance.now()));
const from = await open(wsUrl, sender, appJwtSecret);
from.on('message', (data) => {
  if (String(data).includes('"type":"error"')) fail(`the send was refused: ${String(data)}`);
});

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const times: number[] = [];
for (let round = 1; round <= rounds; round += 1) {
  // The frames of the round before (delivery frames too) have stopped coming.
  while (performance.now() - lastFrameAt < 500) await sleep(50);
  const text = `fan-out round ${round} ${Date.now()}`;
  let holding = 0;
  const started = performance.now();
  const allHold = new Promise<number>((done) => {
    for (const client of clients) {
      const listen = (data: WebSocket.RawData) => {
        const raw = String(data);
        if (!raw.includes(text) || (JSON.parse(raw) as { type?: string }).type !== 'event') return;
        client.off('message', listen);
        if ((holding += 1) === clients.length) done(performance.now() - started);
      };
      client.on('message', listen);
    }
  });
  const clientMessageId = `fanout-${round}-${Date.now()}`;
  from.send(
    JSON.stringify({
      action: 'send',
      bridge,
      text,
      clientMessageId,
      ...(values.seq && { seq: round }),
    }),
  );
  times.push(await allHold);
  console.log(
    `round ${round}: ${total} subscribers hold the event after ${times.at(-1)!.toFixed(0)} ms`,
  );
}
const sorted = [...times].sort((a, b) => a - b);
console.log(
  `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms (${total} subscribers, ${values['one-user'] ? 'one user' : 'one user each'}, ${values.seq ? 'numbered sends' : 'a raw client'})`,
);
for (const client of [...clients, from]) client.terminate();
