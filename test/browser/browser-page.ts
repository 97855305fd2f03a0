import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the page found, read back by the test from `window.results`. */
export interface PageResults {
  token?: { status: number; body: Record<string, unknown> };
  history?: { status: number; body: Record<string, unknown> };
  frames: Record<string, unknown>[];
  error?: string;
}

/**
 * A frontend on its own origin, as a browser app would be: it mints an IVS token, reads the
 * bridge's history and holds a WebSocket subscribed to the bridge, recording every answer in
 * `window.results`. Nothing here bypasses CORS: the fetches are the README's own.
 */
const PAGE_SCRIPT = `
const params = new URLSearchParams(location.hash.slice(1));
const api = params.get('api');
const ws = params.get('ws');
const jwt = params.get('jwt');
const results = { frames: [] };
window.results = results;
const auth = { authorization: 'Bearer ' + jwt };
(async () => {
  try {
    const token = await fetch(api + '/tokens/ivs', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ bridge: 'support' }),
    });
    results.token = { status: token.status, body: await token.json() };
    const history = await fetch(api + '/bridges/support/events?limit=10', { headers: auth });
    results.history = { status: history.status, body: await history.json() };
    const socket = new WebSocket(ws + '/?token=' + encodeURIComponent(jwt));
    socket.onmessage = (message) => results.frames.push(JSON.parse(message.data));
    socket.onopen = () => socket.send(JSON.stringify({ action: 'subscribe', bridge: 'support' }));
    socket.onerror = () => (results.error = 'websocket error');
  } catch (error) {
    results.error = String(error);
  }
})();
`;

export async function servePage(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.url === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(PAGE_SCRIPT);
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end('<!doctype html><title>frontend</title><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
