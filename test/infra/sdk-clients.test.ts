import { describe, expect, it } from 'vitest';
import { createManagementClient } from '../../functions/infra/api-gateway-broadcaster';
import { createBaseRuntime } from '../../functions/runtime/base-runtime';

const names = (client: { middlewareStack: { identify(): string[] } }) =>
  client.middlewareStack.identify().map((entry) => entry.split(' ')[0]);

describe('the hot-path SDK clients', () => {
  it('leave out the logger middleware and keep the rest of the stack', () => {
    const dynamo = createBaseRuntime({ AWS_REGION: 'us-east-1' }).dynamo;
    const management = createManagementClient('http://127.0.0.1:1');

    for (const client of [dynamo, management]) {
      expect(names(client)).not.toContain('loggerMiddleware');
      expect(names(client)).toContain('retryMiddleware');
    }
  });
});
