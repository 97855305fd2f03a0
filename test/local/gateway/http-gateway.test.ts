import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_ROUTES } from '../../../functions/definitions/functions';
import { startTestBridge, testFunction, type TestBridge } from '../local-bridge';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80]);

describe('local HTTP API', () => {
  let bridge: TestBridge;
  const seen: { event: APIGatewayProxyEventV2; context: Context }[] = [];

  beforeAll(async () => {
    bridge = await startTestBridge({
      streamConsumers: [],
      functions: {
        Echo: testFunction(),
        Plain: testFunction(),
        Broken: testFunction(),
        Slow: testFunction(1),
      },
      modules: {
        // Answers with the body it received, decoded and re-encoded base64.
        Echo: {
          handler: async (event: APIGatewayProxyEventV2, context: Context) => {
            seen.push({ event, context });
            return {
              statusCode: 201,
              headers: { 'Content-Type': event.headers['content-type'] ?? 'text/plain' },
              cookies: ['a=1; Path=/', 'b=2; Path=/'],
              body: Buffer.from(
                event.body ?? '',
                event.isBase64Encoded ? 'base64' : 'utf8',
              ).toString('base64'),
              isBase64Encoded: true,
            };
          },
        },
        Plain: { handler: async () => ({ hello: 'world' }) },
        Broken: { handler: async () => ({ statusCode: 200, body: { not: 'a string' } }) },
        Slow: { handler: () => new Promise((resolve) => setTimeout(resolve, 1500)) },
      },
      httpRoutes: [
        ...HTTP_ROUTES,
        { method: 'POST', path: '/echo/{name}', function: 'Echo' },
        { method: 'GET', path: '/plain', function: 'Plain' },
        { method: 'GET', path: '/broken', function: 'Broken' },
        { method: 'GET', path: '/slow', function: 'Slow' },
      ],
    });
  });
  afterAll(() => bridge.close());

  it('answers GET /health through the real Health handler', async () => {
    const response = await fetch(`${bridge.httpUrl}/health`);

    expect(response.status).toBe(200);
    expect(response.headers.get('apigw-requestid')).toMatch(/^[\w=-]{16}$/);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      providers: { ivs: 'not-configured', gitple: 'not-configured' },
    });
  });

  it('answers an unknown route 404 with a problem+json naming the routes', async () => {
    const unknownPath = await fetch(`${bridge.httpUrl}/nowhere`);
    const wrongMethod = await fetch(`${bridge.httpUrl}/health`, { method: 'POST' });

    expect(unknownPath.status).toBe(404);
    expect(unknownPath.headers.get('content-type')).toBe('application/problem+json');
    expect(await unknownPath.json()).toEqual({
      type: 'https://chat-bridge.dev/problems/no-route',
      title: 'Not found',
      status: 404,
      detail: expect.stringMatching(
        /^No route for GET \/nowhere\. The HTTP API serves GET \/health, /,
      ),
    });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.headers.get('content-type')).toBe('application/problem+json');
  });

  it('passes a binary body base64 and returns a base64 answer as the original bytes', async () => {
    const response = await fetch(`${bridge.httpUrl}/echo/pic?x=1&x=2&y=%20z`, {
      method: 'POST',
      headers: {
        'content-type': 'image/png',
        cookie: 'session=abc; theme=dark',
        'X-Custom': 'One',
      },
      body: PNG,
    });

    expect(response.status).toBe(201);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    const { event, context } = seen.at(-1)!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo/{name}',
      rawPath: '/echo/pic',
      rawQueryString: 'x=1&x=2&y=%20z',
      cookies: ['session=abc', 'theme=dark'],
      queryStringParameters: { x: '1,2', y: ' z' },
      pathParameters: { name: 'pic' },
      isBase64Encoded: true,
      body: PNG.toString('base64'),
      requestContext: {
        http: { method: 'POST', path: '/echo/pic', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        routeKey: 'POST /echo/{name}',
        stage: '$default',
        apiId: 'local',
      },
    });
    expect(event.headers['x-custom']).toBe('One');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.requestId).toBe(response.headers.get('apigw-requestid'));
    expect(event.requestContext.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(context.functionName).toBe('Echo');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5000);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(3000);
  });

  it('passes a JSON body as text', async () => {
    await fetch(`${bridge.httpUrl}/echo/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"hello":"wörld"}',
    });

    expect(seen.at(-1)!.event).toMatchObject({ body: '{"hello":"wörld"}', isBase64Encoded: false });
  });

  it('sends an answer without statusCode as a 200 JSON body, as payload format 2.0 infers', async () => {
    const response = await fetch(`${bridge.httpUrl}/plain`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('refuses a malformed answer with 500 and says why in the log', async () => {
    const response = await fetch(`${bridge.httpUrl}/broken`);

    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 500, title: 'Internal error' });
    expect(bridge.lines.some((line) => line.includes('body must be a string'))).toBe(true);
  });

  it("cuts a function off at its definition's timeout with 503", async () => {
    const response = await fetch(`${bridge.httpUrl}/slow`);

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      status: 503,
      detail: 'Slow did not answer in time; the runtime log has its last lines.',
    });
    expect(bridge.lines.some((line) => line.includes('Slow timed out after 1 s'))).toBe(true);
  });

  describe('CORS (CORS_ALLOWED_ORIGINS unset: any loopback origin)', () => {
    const preflight = (origin: string, path = '/tokens/ivs') =>
      fetch(`${bridge.httpUrl}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });

    it('answers the preflight of a loopback origin with the allowed methods and headers', async () => {
      const response = await preflight('http://localhost:5173');

      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(response.headers.get('access-control-allow-headers')).toBe(
        'authorization,content-type',
      );
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      expect(response.headers.get('vary')).toBe('Origin');
    });

    it('gives a disallowed origin no Access-Control-Allow-Origin, on preflight or answer', async () => {
      const before = await preflight('https://evil.example');
      const answer = await fetch(`${bridge.httpUrl}/health`, {
        headers: { origin: 'https://evil.example' },
      });

      expect(before.status).toBe(204);
      expect(before.headers.get('access-control-allow-origin')).toBeNull();
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      expect(answer.headers.get('vary')).toBe('Origin');
    });

    it('sets the origin on answers and errors alike, for 127.0.0.1 on any port', async () => {
      const ok = await fetch(`${bridge.httpUrl}/health`, {
        headers: { origin: 'http://127.0.0.1:8080' },
      });
      const missing = await fetch(`${bridge.httpUrl}/nowhere`, {
        headers: { origin: 'http://127.0.0.1:8080' },
      });

      expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
    });
  });
});
