import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestWhole } from '../../functions/providers/shared/node-transport';

describe('requestWhole (provider calls on node:http)', () => {
  let server: Server;
  let base = '';
  const seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({ method: request.method, headers: request.headers, body });
        if (request.url === '/empty') return response.writeHead(204).end();
        if (request.url === '/stall') return response.writeHead(200).write('{"partial":');
        response
          .writeHead(201, { 'content-type': 'application/json', 'x-message-id': 'm-1' })
          .end(JSON.stringify({ echoed: body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the method, headers and a JSON body with its length, and answers with all of it read', async () => {
    const body = JSON.stringify({ text: 'héllo 👋' });

    const response = await requestWhole(
      `${base}/send`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
        body,
      },
      new AbortController().signal,
    );

    expect([response.status, response.headers.get('x-message-id')]).toEqual([201, 'm-1']);
    expect(await response.json()).toEqual({ echoed: body });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      body,
      headers: { authorization: 'Bearer t', 'content-length': String(Buffer.byteLength(body)) },
    });
  });

  it('answers a 204 with no body', async () => {
    const response = await requestWhole(
      `${base}/empty`,
      { method: 'DELETE', headers: {} },
      new AbortController().signal,
    );

    expect([response.status, await response.text()]).toEqual([204, '']);
  });

  it('fails when the signal aborts while the body is still coming', async () => {
    const controller = new AbortController();
    const call = requestWhole(`${base}/stall`, { method: 'GET', headers: {} }, controller.signal);
    setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), 30);

    await expect(call).rejects.toThrow();
  });
});
