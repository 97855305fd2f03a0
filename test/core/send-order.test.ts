import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/core/log';
import { MemorySendOrderStore } from '../../functions/core/memory';
import {
  inSendOrder,
  type SendOrderOptions,
  type SendOrderStore,
  type SendTicket,
} from '../../functions/core/send-order';
import { DynamoSendOrderStore } from '../../functions/infra/dynamo-send-order';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynamo/embedded-dynamo';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const quiet = createLogger({}, { sink: () => undefined });

let dynamo: EmbeddedDynamo;
beforeAll(async () => {
  dynamo = await startEmbeddedDynamo({ tablePrefix: `send-order-${process.pid}-${Date.now()}` });
});
afterAll(() => dynamo.close());

const STORES: [string, () => SendOrderStore][] = [
  ['in memory', () => new MemorySendOrderStore()],
  [
    'DynamoDB (dynalite)',
    () => new DynamoSendOrderStore(dynamo.client, dynamo.tableNames.STATE_TABLE!),
  ],
];

describe.each(STORES)('the send order gate (%s)', (_name, makeStore) => {
  const options: SendOrderOptions = {
    graceMs: 40,
    pollMs: 5,
    maxWaitMs: 2000,
    abandonAfterMs: 30_000,
  };

  it('stores quick sends of one connection in gateway order, whatever order their invocations run in', async () => {
    // Prepare: five frames 1 ms apart whose invocations start in reverse order, the first
    // one last, and whose stores take different times.
    const gate = makeStore();
    const connectionId = `c-${Math.random().toString(36).slice(2)}`;
    const base = Date.now();
    const tickets: SendTicket[] = [0, 1, 2, 3, 4].map((i) => ({
      connectionId,
      receivedAt: base + i,
      requestId: `req-${i}`,
    }));
    const stored: number[] = [];

    // Act
    await Promise.all(
      tickets.map(async (ticket, i) => {
        await delay((4 - i) * 4);
        await inSendOrder(
          ticket,
          gate,
          async () => {
            await delay(i % 2 === 0 ? 15 : 1);
            stored.push(i);
          },
          { log: quiet, options },
        );
      }),
    );

    // Assess
    expect(stored).toEqual([0, 1, 2, 3, 4]);
  });

  it('does not wait for other connections, nor for a registration its invocation abandoned', async () => {
    // Prepare: an earlier send registered long ago and never released (its invocation died).
    const gate = makeStore();
    const connectionId = `c-${Math.random().toString(36).slice(2)}`;
    const now = Date.now();
    await gate.register({ connectionId, receivedAt: now - 5, requestId: 'dead' });
    await gate.register({
      connectionId: `${connectionId}-other`,
      receivedAt: now - 3,
      requestId: 'x',
    });
    const started = Date.now();

    // Act
    const result = await inSendOrder(
      { connectionId, receivedAt: now, requestId: 'live' },
      gate,
      async () => 'stored',
      // Every registration counts as abandoned once it is older than 1 ms.
      { log: quiet, options: { ...options, abandonAfterMs: 1 } },
    );

    // Assess
    expect(result).toBe('stored');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stores anyway after its longest wait when an earlier send never finishes', async () => {
    // Prepare
    const gate = makeStore();
    const connectionId = `c-${Math.random().toString(36).slice(2)}`;
    const now = Date.now();
    await gate.register({ connectionId, receivedAt: now - 1, requestId: 'stuck' });
    const started = Date.now();

    // Act
    await inSendOrder(
      { connectionId, receivedAt: now, requestId: 'next' },
      gate,
      async () => undefined,
      { log: quiet, options: { ...options, maxWaitMs: 150 } },
    );

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
