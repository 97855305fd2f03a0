import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/webhook';
import { fixture, startHarness, storedEvents, type Harness } from '../support/harness';
import { httpEvent, lambdaContext } from '../support/http-event';

const KEY = 'tc-webhook-key-0123456789';
const TIGER_CHANNEL = 'tigerconnect#u-def';

async function post(
  provider: string,
  body: string | Buffer,
  query: Record<string, string> = { key: KEY },
  headers: Record<string, string> = {},
) {
  const event = httpEvent({
    path: `/webhooks/${provider}`,
    routeKey: 'POST /webhooks/{provider}',
    pathParameters: { provider },
    query,
    headers,
    body,
  });
  const result = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  return {
    status: result.statusCode,
    headers: result.headers ?? {},
    json: JSON.parse(String(result.body)) as Record<string, unknown>,
  };
}

describe('POST /webhooks/{provider}', () => {
  let harness: Harness;
  const message = JSON.stringify(fixture('tigerconnect/sse-message-event.json'));

  beforeEach(async () => {
    harness = await startHarness({ env: { TIGERCONNECT_WEBHOOK_KEY: KEY } });
  });
  afterEach(() => harness.close());

  it('stores a verified delivery as one common event', async () => {
    const response = await post('tigerconnect', message);

    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ received: true, duplicates: [] });
    const [stored] = await storedEvents(harness, TIGER_CHANNEL);
    expect(stored?.event).toMatchObject({
      type: 'chat.message.created',
      subject: 'support',
      data: { message: { text: 'hello' } },
    });
  });

  it('stores the same delivery posted ten times once, with one write per attempt', async () => {
    const responses = [];
    for (let i = 0; i < 10; i += 1) responses.push(await post('tigerconnect', message));

    // Exactly one conditional PutItem per delivery, new or duplicate, and nothing else.
    expect(harness.requests).toEqual(Array(10).fill('PutItemCommand'));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(responses.slice(1).every((r) => (r.json.duplicates as string[]).length === 1)).toBe(
      true,
    );
    expect(await storedEvents(harness, TIGER_CHANNEL)).toHaveLength(1);
  });

  it.each([
    ['an unknown provider', () => post('slack', message), 404, 'not-found'],
    ['an IVS webhook (IVS uses its review handler)', () => post('ivs', message), 404, 'not-found'],
    ['a body that is not JSON', () => post('tigerconnect', '{"event_id":'), 400, 'malformed-json'],
    ['a wrong key', () => post('tigerconnect', message, { key: 'nope' }), 401, 'unauthorized'],
    ['no key', () => post('tigerconnect', message, {}), 401, 'unauthorized'],
    [
      'a payload that fails the provider schema',
      () =>
        post('tigerconnect', JSON.stringify(fixture('tigerconnect/sse-message-wrong-types.json'))),
      400,
      'invalid-payload',
    ],
    [
      'a body over 256 KiB',
      () => post('tigerconnect', JSON.stringify({ pad: 'x'.repeat(256 * 1024) })),
      413,
      'payload-too-large',
    ],
  ])('answers %s with a problem and stores nothing', async (_name, act, status, code) => {
    const response = await act();

    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({
      status,
      type: expect.stringContaining(code),
      title: expect.any(String),
      detail: expect.any(String),
    });
    expect(JSON.stringify(response.json)).not.toContain(KEY);
    expect(await storedEvents(harness, TIGER_CHANNEL)).toHaveLength(0);
  });

  it('names the offending field of a schema failure', async () => {
    const response = await post(
      'tigerconnect',
      JSON.stringify(fixture('tigerconnect/sse-message-wrong-types.json')),
    );

    expect(response.json.field).toEqual(expect.stringContaining('tigertext:iq:message'));
  });

  it('does not let a bad delivery affect a good one beside it', async () => {
    const [bad, good] = await Promise.all([
      post('tigerconnect', '{oops'),
      post('tigerconnect', message),
    ]);

    expect(bad.status).toBe(400);
    expect(good.status).toBe(200);
    expect(await storedEvents(harness, TIGER_CHANNEL)).toHaveLength(1);
  });

  it('acknowledges a known kind it does not relay, counts it and stores nothing', async () => {
    const response = await post(
      'tigerconnect',
      JSON.stringify(fixture('tigerconnect/sse-heartbeat.json')),
    );

    expect(response.status).toBe(200);
    expect((response.json.ignored as string[]).length).toBe(1);
    expect(
      [...harness.metrics.counts.keys()].some((k) =>
        k.startsWith('IgnoredEvents|provider=tigerconnect'),
      ),
    ).toBe(true);
    expect(harness.requests).toEqual([]);
  });

  it('decodes a base64 body as API Gateway sends binary content', async () => {
    const response = await post('tigerconnect', Buffer.from(message));

    expect(response.status).toBe(200);
  });
});
