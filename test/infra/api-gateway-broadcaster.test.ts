import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/core/log';
import { startConnectionsApi } from '../support/connections-api';
import type { ConnectionStore } from '../../functions/core/connections';
import {
  ApiGatewayBroadcaster,
  createManagementClient,
} from '../../functions/infra/api-gateway-broadcaster';

describe('ApiGatewayBroadcaster', () => {
  let api: Awaited<ReturnType<typeof startConnectionsApi>>;
  const removed: string[] = [];
  const connections = {
    subscriptions: async () =>
      ['a', 'stuck', 'gone', 'b'].map((connectionId) => ({
        connectionId,
        sub: connectionId,
        deliveries: false,
      })),
    remove: async (id: string) => void removed.push(id),
  } as unknown as ConnectionStore;

  beforeEach(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    process.env.AWS_REGION ??= 'us-east-1';
    api = await startConnectionsApi();
    removed.length = 0;
  });
  afterEach(() => api.close());

  it('finishes the fan-out past a stuck connection within its per-post timeout, and removes only the gone one', async () => {
    const fanOut = { concurrency: 2, timeoutMs: 300 };
    const broadcaster = new ApiGatewayBroadcaster(
      connections,
      createManagementClient(api.endpoint, fanOut),
      createLogger({}, { sink: () => undefined }),
      fanOut,
    );
    const started = performance.now();

    const result = await broadcaster.broadcast('support', {
      type: 'delivery',
      eventId: 'e',
      target: 'ivs',
      channel: 'c',
      status: 'delivered',
    });

    expect(result).toEqual({ sent: 2, gone: 1, failed: 1 });
    expect(removed).toEqual(['gone']);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(api.posted.sort()).toEqual(['a', 'b', 'gone', 'stuck']);
  });

  describe('for one batch', () => {
    const counting = (fail: boolean) => {
      const reads: string[] = [];
      const store = {
        subscriptions: async (bridgeId: string) => {
          reads.push(bridgeId);
          if (fail) throw new Error('ProvisionedThroughputExceededException');
          return [{ connectionId: 'a', sub: 'a', deliveries: false }];
        },
        remove: async () => undefined,
      } as unknown as ConnectionStore;
      const broadcaster = new ApiGatewayBroadcaster(
        store,
        createManagementClient(api.endpoint),
        createLogger({}, { sink: () => undefined }),
      ).forBatch();
      return { reads, broadcaster };
    };
    const event = {
      type: 'delivery',
      eventId: 'e',
      target: 'ivs',
      channel: 'c',
      status: 'delivered',
    } as const;

    it('reads the subscribers it was told to prefetch once, for every broadcast after', async () => {
      const { reads, broadcaster } = counting(false);

      broadcaster.prefetch?.(['support']);
      expect(reads).toEqual(['support']);
      await broadcaster.broadcast('support', event);
      await broadcaster.broadcast('support', event);

      expect(reads).toEqual(['support']);
      expect(api.posted).toEqual(['a', 'a']);
    });

    it('fails a broadcast whose prefetched read failed, and a read nobody used fails quietly', async () => {
      const { broadcaster } = counting(true);
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);

      broadcaster.prefetch?.(['support', 'unused']);
      await expect(broadcaster.broadcast('support', event)).rejects.toThrow(
        'ProvisionedThroughputExceededException',
      );
      await new Promise((resolve) => setImmediate(resolve));

      process.off('unhandledRejection', onUnhandled);
      expect(unhandled).toEqual([]);
      expect(api.posted).toEqual([]);
    });
  });
});
