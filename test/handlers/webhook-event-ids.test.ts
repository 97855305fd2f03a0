import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/webhook';
import { fixture, startHarness, storedEvents, type Harness } from '../support/harness';
import { httpEvent, lambdaContext } from '../support/http-event';

const KEY = 'tc-webhook-key-0123456789';
const PS = fixture<{ subscriptionSecret: string; body: { payload: Record<string, unknown> } }>(
  'pingstreams/webhook-message-create.json',
);
const TC = fixture<{ event: Record<string, Record<string, unknown>> }>(
  'tigerconnect/sse-message-event.json',
);

async function post(provider: string, body: unknown, headers: Record<string, string> = {}) {
  const event = httpEvent({
    path: `/webhooks/${provider}`,
    routeKey: 'POST /webhooks/{provider}',
    pathParameters: { provider },
    query: { key: KEY },
    headers,
    body: JSON.stringify(body),
  });
  const result = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, json: JSON.parse(String(result.body)) as never };
}

describe('one provider occurrence maps to one event per channel', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness({
      env: { TIGERCONNECT_WEBHOOK_KEY: KEY, PINGSTREAMS_WEBHOOK_SECRET: PS.subscriptionSecret },
    });
  });
  afterEach(() => harness.close());

  it('gives the same Pingstreams message id under two channels two event ids', async () => {
    const channels = ['support-group-a', 'support-group-b'];
    const ids: string[] = [];
    for (const recipient of channels) {
      const body = { ...PS.body, payload: { ...PS.body.payload, recipient } };
      const headers = { 'x-hook-secret': PS.subscriptionSecret };
      const first = await post('pingstreams', body, headers);
      const again = await post('pingstreams', body, headers);
      expect(first.status).toBe(200);
      expect(again.json).toMatchObject({ stored: [], duplicates: (first.json as never)['stored'] });
      ids.push(...((first.json as { stored: string[] }).stored ?? []));
    }

    expect(new Set(ids).size).toBe(2);
    for (const channel of channels) {
      const stored = await storedEvents(harness, `pingstreams#${channel}`);
      expect(stored).toHaveLength(1);
    }
  });

  it('gives the same TigerConnect message id under two conversations two event ids', async () => {
    const message = TC.event['tigertext:iq:message'];
    const ids: string[] = [];
    for (const recipient of ['u-def', 'u-xyz']) {
      const body = {
        ...TC,
        event: { 'tigertext:iq:message': { ...message, recipient_token: recipient } },
      };
      const response = await post('tigerconnect', body);
      ids.push(...(response.json as { stored: string[] }).stored);
    }

    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });
});
