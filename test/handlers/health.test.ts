import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/health';
import { startHarness, type Harness } from '../support/harness';
import { httpEvent, lambdaContext as context } from '../support/http-event';

describe('Health, also the HTTP API $default route', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('answers GET /health with the providers status', async () => {
    const result = (await handler(
      httpEvent({ method: 'GET', path: '/health' }),
      context,
    )) as APIGatewayProxyStructuredResultV2;

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!)).toMatchObject({ status: 'ok' });
  });

  it('answers an unrouted request ($default) with a problem+json 404 naming the routes', async () => {
    const result = (await handler(
      httpEvent({ method: 'DELETE', path: '/bridges/support', routeKey: '$default' }),
      context,
    )) as APIGatewayProxyStructuredResultV2;

    expect(result.statusCode).toBe(404);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(result.body!)).toMatchObject({
      status: 404,
      detail: expect.stringMatching(
        /^No route for DELETE \/bridges\/support\. The HTTP API serves GET \/health, /,
      ),
    });
  });
});
