/**
 * Fan-out to N WebSocket connections through the real ApiGatewayManagementApiClient against a
 * local @connections endpoint that answers each post after an injected latency. The ideal is
 * connections x latency / concurrency; the ratio to it shows what the bridge itself costs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../functions/core/log';
import { ApiGatewayBroadcaster, createManagementClient } from '../functions/infra/api-gateway-broadcaster';
import { DynamoConnectionStore } from '../functions/infra/dynamo-connections';
import { startEmbeddedDynamo } from '../local/embedded-dynamo';

export interface FanOutResult {
  connections: number;
  ms: number;
  idealMs: number;
  ratio: number;
  sent: number;
}

async function startFakeConnectionsApi(latencyMs: number) {
  let posts = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      posts += 1;
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      }, latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench`,
    posts: () => posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
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
        const requests: WriteRequest[] = Array.from({ length: Math.min(25, size - start) }, (_, i) => ({
          PutRequest: {
            Item: {
              pk: { S: `CONN#c-${size}-${start + i}` },
              sk: { S: `SUB#${bridge}` },
              gsi1pk: { S: `SUBS#${bridge}` },
              gsi1sk: { S: `c-${size}-${start + i}` },
            },
          },
        }));
        await dynamo.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      }
      // One warm-up post so connection set-up is not billed to the first size.
      await broadcaster.sendTo(['warm-up'], { type: 'pong' });
      const started = performance.now();
      const pushed = await broadcaster.broadcast(bridge, { type: 'delivery', eventId: 'e', target: 'web', channel: bridge, status: 'delivered' });
      const ms = performance.now() - started;
      // connections x latency / concurrency, but never under one round trip: with fewer
      // connections than the concurrency, one latency is the best any fan-out can do.
      const idealMs = Math.max(latencyMs, (size * latencyMs) / concurrency);
      results.push({ connections: size, ms, idealMs, ratio: ms / idealMs, sent: pushed.sent });
    }
  } finally {
    await api.close();
    await dynamo.close();
  }
  return results;
}
