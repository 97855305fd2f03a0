import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/webhook';
import { fixture, startHarness, storedEvents, type Harness } from '../support/harness';
import { httpEvent, lambdaContext } from '../support/http-event';

const KEY = 'tc-webhook-key-0123456789';
const CHANNEL = 'tigerconnect#u-def';
type Rec = { event_id: string; event: Record<string, Record<string, unknown>> };
const BATCH = fixture<{ events: Rec[] }>('tigerconnect/forwarder-batch.json');
const [FIRST, SECOND] = BATCH.events.filter((r) => 'tigertext:iq:message' in r.event) as [Rec, Rec];

async function post(body: string) {
  const event = httpEvent({
    path: '/webhooks/tigerconnect',
    routeKey: 'POST /webhooks/{provider}',
    pathParameters: { provider: 'tigerconnect' },
    query: { key: KEY },
    body,
  });
  const result = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  return {
    status: result.statusCode ?? 0,
    type: result.headers?.['content-type'],
    json: JSON.parse(String(result.body)) as Record<string, unknown>,
  };
}

/** A record with its message changed. */
function withMessage(record: Rec, change: Record<string, unknown>): Rec {
  const message = record.event['tigertext:iq:message'];
  return { ...record, event: { 'tigertext:iq:message': { ...message, ...change } } };
}

describe('POST /webhooks/{provider}: hard limits and whole deliveries', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness({ env: { TIGERCONNECT_WEBHOOK_KEY: KEY } });
  });
  afterEach(() => harness.close());

  it('refuses 5,000 levels of nesting with a 400 problem (not a stack overflow)', async () => {
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const body = JSON.stringify(withMessage(FIRST, { extra: 0 })).replace('0}', `${deep}}`);

    const response = await post(body);

    expect(response.status).toBe(400);
    expect(response.type).toBe('application/problem+json');
    expect(response.json.detail).toContain('nests deeper than 64');
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(0);
  });

  it.each([
    ['channel id', { recipient_token: 'c'.repeat(3000) }, 'data.channel.id'],
    ['message id', { message_id: 'm'.repeat(300) }, 'data.message.id'],
    ['sender id', { sender_token: 's'.repeat(300) }, 'data.sender.id'],
    ['text', { body: 't'.repeat(40_000) }, 'data.message.text'],
    [
      'attachments',
      { attachments: Array.from({ length: 33 }, (_, i) => ({ attachment_id: `a${i}` })) },
      'data.message.attachments',
    ],
  ])('refuses a %s over its limit with a 400 naming the field', async (_name, change, field) => {
    const response = await post(JSON.stringify(withMessage(FIRST, change)));

    expect(response.status).toBe(400);
    expect(response.json.field).toBe(field);
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(0);
  });

  it('refuses an event over 128 KiB with a 413 instead of failing the write', async () => {
    const data = [{ namespace: 'big', payload: 'p'.repeat(150_000) }];

    const response = await post(JSON.stringify(withMessage(FIRST, { data })));

    expect(response.status).toBe(413);
    expect(response.type).toBe('application/problem+json');
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(0);
  });

  it('stores a near-limit multi-event delivery, trimming the raw payload to size and digest', async () => {
    const data = [{ namespace: 'big', payload: 'p'.repeat(125_000) }];
    const body = JSON.stringify({
      events: [withMessage(FIRST, { data }), withMessage(SECOND, { pad: 'x'.repeat(135_000) })],
    });

    const response = await post(body);

    expect(response.status).toBe(200);
    const stored = await storedEvents(harness, CHANNEL);
    expect(stored).toHaveLength(2);
    const raws = stored.map((item) => item.raw as Record<string, unknown>);
    // The first event is large: its item keeps only a marker; the second keeps the whole body.
    expect(raws).toContainEqual({
      truncated: true,
      bytes: Buffer.byteLength(body),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(raws).toContainEqual(JSON.parse(body));
  });

  it('stores nothing of a delivery whose second event is invalid', async () => {
    const body = JSON.stringify({
      events: [FIRST, withMessage(SECOND, { recipient_token: 'c'.repeat(3000) })],
    });

    const response = await post(body);

    expect(response.status).toBe(400);
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(0);
  });

  it('answers 5xx when the second write fails, and the redelivery completes it exactly once', async () => {
    let puts = 0;
    harness.dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand' && ++puts === 2) {
          throw Object.assign(new Error('throttled'), {
            name: 'ProvisionedThroughputExceededException',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failSecondPut' },
    );
    const body = JSON.stringify({ events: [FIRST, SECOND] });

    const first = await post(body);
    const again = await post(body);

    expect(first.status).toBeGreaterThanOrEqual(500);
    expect(first.type).toBe('application/problem+json');
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({
      stored: [expect.any(String)],
      duplicates: [expect.any(String)],
    });
    const stored = await storedEvents(harness, CHANNEL);
    expect(stored.map((item) => item.event.data.message?.text).sort()).toEqual([
      'first of two',
      'second of two',
    ]);
  });
});
