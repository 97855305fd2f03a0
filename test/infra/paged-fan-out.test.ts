import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/core/log';
import { startConnectionsApi } from '../support/connections-api';
import { MemoryConnectionStore } from '../../functions/core/memory';
import type { ClientFrame } from '../../functions/core/relay';
import {
  ApiGatewayBroadcaster,
  createManagementClient,
} from '../../functions/infra/api-gateway-broadcaster';
import {
  MAX_PAGE_BYTES,
  pagesOf,
  type FanOutPage,
  type PageDispatcher,
} from '../../functions/infra/fan-out-pages';

const event: ClientFrame = {
  type: 'delivery',
  eventId: 'e-1',
  target: 'ivs',
  channel: 'room',
  status: 'delivered',
};

describe('fan-out pages', () => {
  it('splits ids into pages of at most pageSize, in order, each payload under the async limit', () => {
    // Prepare
    const ids = Array.from({ length: 2500 }, (_, i) => `conn-${String(i).padStart(5, '0')}=`);

    // Act
    const pages = pagesOf('support', ids, JSON.stringify(event), 1000);

    // Assess
    expect(pages.map((p) => p.connectionIds.length)).toEqual([1000, 1000, 500]);
    expect(pages.flatMap((p) => p.connectionIds)).toEqual(ids);
    for (const page of pages) {
      expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThan(MAX_PAGE_BYTES);
    }
  });

  it('makes pages smaller when a large frame leaves less room for ids', () => {
    // Prepare: a 128 KiB frame, full of characters JSON escapes.
    const frame = JSON.stringify({ ...event, detail: '"'.repeat(60 * 1024) });
    const ids = Array.from({ length: 10_000 }, (_, i) => `c${String(i).padStart(15, '0')}`);

    // Act
    const pages = pagesOf('support', ids, frame, 5000);

    // Assess
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.flatMap((p) => p.connectionIds)).toEqual(ids);
    for (const page of pages) {
      expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(MAX_PAGE_BYTES);
    }
  });
});

describe('ApiGatewayBroadcaster with paged fan-out', () => {
  let api: Awaited<ReturnType<typeof startConnectionsApi>>;
  const log = createLogger({}, { sink: () => undefined });
  const options = { concurrency: 8, timeoutMs: 1000 };

  beforeEach(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    process.env.AWS_REGION ??= 'us-east-1';
    api = await startConnectionsApi();
  });
  afterEach(() => api.close());

  async function storeWith(ids: string[], watchers: string[] = []) {
    const store = new MemoryConnectionStore();
    for (const id of ids) {
      await store.connect({ connectionId: id, sub: `user-${id}`, connectedAt: '' });
      await store.subscribe({
        connectionId: id,
        bridgeId: 'support',
        sub: `user-${id}`,
        deliveries: watchers.includes(id),
      });
    }
    return store;
  }

  /** Runs pages as FanOut would: posts them through the same endpoint, reports gone ids. */
  function recordingDispatcher(failFirst = 0) {
    const pages: FanOutPage[] = [];
    let failures = failFirst;
    const poster = new ApiGatewayBroadcaster(
      new MemoryConnectionStore(),
      createManagementClient(api.endpoint, options),
      log,
      options,
    );
    const dispatcher: PageDispatcher = {
      dispatch: async (page) => {
        pages.push(page);
        if (failures-- > 0) throw new Error('FanOut failed');
        const gone = page.connectionIds.filter((id) => id.startsWith('gone'));
        const result = await poster.sendTo(
          page.connectionIds,
          JSON.parse(page.frame) as ClientFrame,
        );
        return { sent: result.sent, failed: [], gone };
      },
    };
    return { pages, dispatcher };
  }

  it('posts above the threshold through page invocations, each connection once, and removes the gone ones', async () => {
    // Prepare
    const ids = [...Array.from({ length: 23 }, (_, i) => `c${i}`), 'gone-1'];
    const store = await storeWith(ids);
    const { pages, dispatcher } = recordingDispatcher();
    const broadcaster = new ApiGatewayBroadcaster(
      store,
      createManagementClient(api.endpoint, options),
      log,
      options,
      { threshold: 10, pageSize: 10, dispatcher },
    );

    // Act
    const result = await broadcaster.broadcast('support', event);

    // Assess
    expect(pages.map((p) => p.connectionIds.length)).toEqual([10, 10, 4]);
    expect(result).toEqual({ sent: 23, gone: 1, failed: 0, pages: 3 });
    expect([...api.posted].sort()).toEqual([...ids].sort());
    expect(await store.subscribers('support')).not.toContain('gone-1');
  });

  it('posts a page from the relay when its invocation fails, so nobody is left out', async () => {
    // Prepare
    const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const { dispatcher } = recordingDispatcher(1);
    const broadcaster = new ApiGatewayBroadcaster(
      await storeWith(ids),
      createManagementClient(api.endpoint, options),
      log,
      options,
      { threshold: 5, pageSize: 5, dispatcher },
    );

    // Act
    const result = await broadcaster.broadcast('support', event);

    // Assess
    expect(result).toMatchObject({ sent: 12, failed: 0, pages: 3 });
    expect([...api.posted].sort()).toEqual([...ids].sort());
  });

  it('stays in this invocation at or under the threshold, and posts only to the audience', async () => {
    // Prepare
    const { pages, dispatcher } = recordingDispatcher();
    const broadcaster = new ApiGatewayBroadcaster(
      await storeWith(['a', 'b', 'c', 'd'], ['b']),
      createManagementClient(api.endpoint, options),
      log,
      options,
      { threshold: 4, pageSize: 2, dispatcher },
    );

    // Act
    const everyone = await broadcaster.broadcast('support', event);
    const watchers = await broadcaster
      .forBatch()
      .broadcast('support', event, { to: 'watchers', senderSub: 'user-d' });

    // Assess
    expect(everyone).toEqual({ sent: 4, gone: 0, failed: 0 });
    expect(watchers).toEqual({ sent: 2, gone: 0, failed: 0 });
    expect(pages).toEqual([]);
    expect(api.posted.slice(4).sort()).toEqual(['b', 'd']);
  });
});
