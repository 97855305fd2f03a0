/**
 * Fan-out to N WebSocket connections through the real ApiGatewayManagementApiClient against a
 * local @connections endpoint that answers each post after an injected latency. The ideal is
 * connections x latency / concurrency; the ratio to it shows what the bridge itself costs.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../functions/core/log';
import {
  ApiGatewayBroadcaster,
  createManagementClient,
} from '../functions/infra/api-gateway-broadcaster';
import { DynamoConnectionStore } from '../functions/infra/dynamo-connections';
import { startEmbeddedDynamo } from '../local/dynamo/embedded-dynamo';

export interface FanOutResult {
  connections: number;
  /** Finding the subscribers (Query pages on the embedded DynamoDB). */
  queryMs: number;
  /** Pushing to every subscriber. */
  pushMs: number;
  idealMs: number;
  /** pushMs / idealMs. */
  ratio: number;
  sent: number;
}

async function startFakeConnectionsApi(latencyMs: number) {
  const child = fork(fileURLToPath(new URL('./connections-server.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LATENCY_MS: String(latencyMs) },
  });
  const { port } = await new Promise<{ port: number }>((resolve) =>
    child.once('message', (message) => resolve(message as { port: number })),
  );
  return {
    endpoint: `http://127.0.0.1:${port}/bench`,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

export async function benchFanOut(
  sizes: readonly number[] = [10, 100, 1000, 10_000],
  options: { latencyMs?: number; concurrency?: number } = {},
): Promise<FanOutResult[]> {
  const latencyMs = options.latencyMs ?? 20;
  const concurrency = options.concurrency ?? 64;
  const dynamo = await startEmbeddedDynamo({ tablePrefix: `bench-${Date.now()}` });
  const api = await startFakeConnectionsApi(latencyMs);
  const table = dynamo.tableNames.STATE_TABLE!;
  const store = new DynamoConnectionStore(dynamo.client, table);
  const fanOut = { concurrency, timeoutMs: 5000 };
  const broadcaster = new ApiGatewayBroadcaster(
    store,
    createManagementClient(api.endpoint, fanOut),
    createLogger({}, { level: 'error' }),
    fanOut,
  );
  const results: FanOutResult[] = [];
  try {
    for (const size of sizes) {
      const bridge = `bench-${size}`;
      for (let start = 0; start < size; start += 25) {
        const requests: WriteRequest[] = Array.from(
          { length: Math.min(25, size - start) },
          (_, i) => ({
            PutRequest: {
              Item: {
                pk: { S: `CONN#c-${size}-${start + i}` },
                sk: { S: `SUB#${bridge}` },
                gsi1pk: { S: `SUBS#${bridge}` },
                gsi1sk: { S: `c-${size}-${start + i}` },
              },
            },
          }),
        );
        await dynamo.client.send(
          new BatchWriteItemCommand({ RequestItems: { [table]: requests } }),
        );
      }
      // A warm container: sockets open and code compiled before anything is timed.
      await broadcaster.sendTo(
        Array.from({ length: 1000 }, (_, i) => `warm-${i}`),
        { type: 'pong' },
      );
      const runs: { queryMs: number; pushMs: number; sent: number }[] = [];
      for (let run = 0; run < 3; run += 1) {
        const started = performance.now();
        const ids = await store.subscribers(bridge);
        const queried = performance.now();
        const pushed = await broadcaster.sendTo(ids, {
          type: 'delivery',
          eventId: 'e',
          target: 'web',
          channel: bridge,
          status: 'delivered',
        });
        runs.push({
          queryMs: queried - started,
          pushMs: performance.now() - queried,
          sent: pushed.sent,
        });
      }
      // The median run of three.
      const { queryMs, pushMs, sent } = [...runs].sort((a, b) => a.pushMs - b.pushMs)[1]!;
      // connections x latency / concurrency, but never under one round trip: with fewer
      // connections than the concurrency, one latency is the best any fan-out can do.
      const idealMs = Math.max(latencyMs, (size * latencyMs) / concurrency);
      results.push({ connections: size, queryMs, pushMs, idealMs, ratio: pushMs / idealMs, sent });
    }
  } finally {
    await api.close();
    await dynamo.close();
  }
  return results;
}
