/**
 * A stand-in `@connections` endpoint for the fan-out bench, run in its own process so its work
 * does not compete with the fan-out being measured: every post is answered after LATENCY_MS.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const latencyMs = Number(process.env.LATENCY_MS ?? 20);
let posts = 0;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    posts += 1;
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    }, latencyMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message) => {
  if (message === 'posts') process.send?.({ posts });
  if (message === 'stop') server.close(() => process.exit(0));
});
