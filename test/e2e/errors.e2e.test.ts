import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, startTestBridge, type TestBridge } from '../local/local-bridge';

const SECRET = 'errors-e2e-app-jwt-secret-0123456789';
const PROBLEM = 'application/problem+json';

/** What a person sees when they get something wrong, through the real local runtime. */
describe('errors a person can act on', () => {
  let bridge: TestBridge;
  const token = () => jwt.sign({ sub: 'alice' }, SECRET, { algorithm: 'HS256', expiresIn: 600 });

  beforeAll(async () => {
    bridge = await startTestBridge({ env: { APP_JWT_SECRET: SECRET } });
  });
  afterAll(() => bridge.close());

  async function socket(): Promise<{ ws: WebSocket; frames: Record<string, unknown>[] }> {
    const ws = new WebSocket(`${bridge.wsUrl}?token=${token()}`);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return { ws, frames };
  }

  it('answers an unrouted path with problem+json', async () => {
    const response = await fetch(`${bridge.httpUrl}/no-such-route`);

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe(PROBLEM);
    expect(await response.json()).toMatchObject({ status: 404, title: 'Not found' });
  });

  it('refuses a WebSocket upgrade with a bad token as problem+json', async () => {
    const ws = new WebSocket(`${bridge.wsUrl}?token=not-a-jwt`);

    const refused = await new Promise<{ status?: number; type?: string; body: string }>(
      (resolve, reject) => {
        ws.once('unexpected-response', (_request, response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () =>
            resolve({ status: response.statusCode, type: response.headers['content-type'], body }),
          );
        });
        ws.once('open', () => reject(new Error('the upgrade was accepted')));
      },
    );

    expect(refused.status).toBe(401);
    expect(refused.type).toBe(PROBLEM);
    expect(JSON.parse(refused.body)).toMatchObject({
      type: 'https://chat-bridge.dev/problems/unauthorized',
      status: 401,
      detail: expect.any(String),
    });
  });

  it('says what a valid history limit is', async () => {
    const response = await fetch(`${bridge.httpUrl}/bridges/support/events?limit=lots`, {
      headers: { authorization: `Bearer ${token()}` },
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe(PROBLEM);
    expect(await response.json()).toMatchObject({
      detail: 'limit must be a whole number between 1 and 200',
      field: 'limit',
    });
  });

  it('echoes action and clientMessageId in an error frame and keeps the connection up', async () => {
    const { ws, frames } = await socket();

    ws.send(JSON.stringify({ action: 'send', bridge: 'nope', text: 'hi', clientMessageId: 'm-1' }));
    ws.send(JSON.stringify({ action: 'ping' }));
    // The send waits its turn at the per-connection ordering gate; the ping does not.
    const error = await eventually('the error frame', () =>
      frames.find((frame) => frame.type === 'error'),
    );
    await eventually('the pong', () => frames.find((frame) => frame.type === 'pong'));

    expect(error).toEqual({
      type: 'error',
      code: 'not-found',
      message: 'unknown bridge "nope"',
      action: 'send',
      clientMessageId: 'm-1',
    });
    ws.close();
  });

  it('refuses a subscribe with a bad cursor: an error frame and no subscribed', async () => {
    const { ws, frames } = await socket();

    ws.send(JSON.stringify({ action: 'subscribe', bridge: 'support', after: 'garbage' }));
    // Each frame is its own concurrent invocation: the ping goes once the subscribe answered,
    // and its pong shows nothing (no `subscribed`) came after that answer.
    await eventually('the error', () => frames.find((frame) => frame.type === 'error'));
    ws.send(JSON.stringify({ action: 'ping' }));
    await eventually('the pong', () => frames.find((frame) => frame.type === 'pong'));

    expect(frames).toEqual([
      {
        type: 'error',
        code: 'invalid-payload',
        action: 'subscribe',
        message: expect.stringContaining('after is not a cursor this bridge issued'),
      },
      { type: 'pong' },
    ]);
    ws.close();
  });
});
