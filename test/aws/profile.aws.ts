import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsWorld, type AwsWorld } from './support/world';

describe('the stack on an IAM-enforcing AWS emulator', () => {
  let world: AwsWorld;
  beforeAll(async () => {
    world = await startAwsWorld();
  });
  afterAll(() => world?.close());

  it('answers GET /health through the HTTP API', async () => {
    const response = await fetch(`${world.httpUrl}/health`);
    const body = await response.json();
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ status: 'ok' });
  });
});
