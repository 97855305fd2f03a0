import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local `@connections` endpoint (at `<endpoint>/@connections/{id}`) that records each post:
 * ids starting with `gone` answer 410 as API Gateway does, `stuck` never answers, the rest 200.
 */
export async function startConnectionsApi() {
  const posted: string[] = [];
  const server: Server = createServer((request, response) => {
    const id = decodeURIComponent(request.url?.split('/@connections/')[1] ?? '');
    request.resume();
    request.on('end', () => {
      posted.push(id);
      if (id === 'stuck') return; // never answers
      if (id.startsWith('gone')) {
        response.writeHead(410, {
          'x-amzn-errortype': 'GoneException',
          'content-type': 'application/json',
        });
        response.end('{"message":"gone"}');
        return;
      }
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/live`,
    posted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
