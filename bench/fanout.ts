/**
 * Fan-out to N WebSocket connections through the relay's own fan-out entry point and the real
 * ApiGatewayManagementApiClient, against a local @connections endpoint (another process) that
 * answers each post after an injected latency. The ideal (idealFanOutMs) is what posting with
 * that many in flight costs at best, per invocation, with pages in parallel invocations above
 * the paging threshold; the ratio to it shows what the bridge itself adds. The subscriber Query is timed apart (it is not in the ideal).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { mapWithConcurrency } from '../functions/core/concurrency';
import type { ConnectionStore } from '../functions/core/connections';
import { createLogger, type Logger } from '../functions/core/log';
import type { BroadcastResult, ClientFrame } from '../functions/core/relay';
import {
  ApiGatewayBroadcaster,
  createManagementClient,
  type FanOutOptions,
} from '../functions/infra/api-gateway-broadcaster';
import { postToConnections } from '../functions/infra/connection-posts';
import { DynamoConnectionStore } from '../functions/infra/dynamo-connections';
import type { FanOutPage } from '../functions/infra/fan-out-pages';
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

/** Above this many subscribers the relay posts in pages, each in its own FanOut invocation. */
export const BENCH_PAGED = { threshold: 2000, pageSize: 1000, pagesInFlight: 32 };

/**
 * The relay's fan-out entry point (`forBatch().broadcast`), paged exactly as on AWS. Each page
 * stands for one FanOut invocation: warm containers each with their own client and sockets,
 * up to the relay's pages in flight, posting with the same bounded concurrency.
 */
function relayFanOut(
  store: ConnectionStore,
  endpoint: string,
  log: Logger,
  fanOut: FanOutOptions,
): (bridgeId: string, frame: ClientFrame) => Promise<BroadcastResult> {
  const containers = Array.from({ length: BENCH_PAGED.pagesInFlight }, () =>
    createManagementClient(endpoint, fanOut),
  );
  let next = 0;
  const dispatcher = {
    dispatch: (page: FanOutPage) =>
      postToConnections(
        containers[next++ % containers.length]!,
        page.connectionIds,
        Buffer.from(page.frame),
        { concurrency: fanOut.concurrency, log },
      ),
  };
  const broadcaster = new ApiGatewayBroadcaster(
    store,
    createManagementClient(endpoint, fanOut),
    log,
    fanOut,
    { threshold: BENCH_PAGED.threshold, pageSize: BENCH_PAGED.pageSize, dispatcher },
  );
  return (bridgeId, frame) => broadcaster.forBatch().broadcast(bridgeId, frame);
}

/**
 * At best: one invocation posts `concurrency` at a time; above the threshold, pages run in
 * parallel invocations (at most `pagesInFlight` at once), each posting its page that way.
 */
export function idealFanOutMs(size: number, concurrency: number, latencyMs: number): number {
  if (size <= BENCH_PAGED.threshold) return Math.ceil(size / concurrency) * latencyMs;
  const pages = Math.ceil(size / BENCH_PAGED.pageSize);
  const waves = Math.ceil(pages / BENCH_PAGED.pagesInFlight);
  return waves * Math.ceil(BENCH_PAGED.pageSize / concurrency) * latencyMs;
}

/** A ConnectionStore that times its subscriber Query, so push time can be told apart. */
function timedStore(store: ConnectionStore): ConnectionStore & { lastQueryMs: number } {
  const timed = Object.create(store) as ConnectionStore & { lastQueryMs: number };
  timed.lastQueryMs = 0;
  timed.subscribers = async (bridgeId: string) => {
    const started = performance.now();
    const ids = await store.subscribers(bridgeId);
    timed.lastQueryMs = performance.now() - started;
    return ids;
  };
  return timed;
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
  sizes: readonly number[] = [10, 100, 1000, 10_000, 20_000],
  options: { latencyMs?: number; concurrency?: number } = {},
): Promise<FanOutResult[]> {
  const latencyMs = options.latencyMs ?? 20;
  const concurrency = options.concurrency ?? 64;
  const dynamo = await startEmbeddedDynamo({ tablePrefix: `bench-${Date.now()}` });
  const api = await startFakeConnectionsApi(latencyMs);
  const table = dynamo.tableNames.STATE_TABLE!;
  const store = timedStore(new DynamoConnectionStore(dynamo.client, table));
  const fanOut = { concurrency, timeoutMs: 5000 };
  const log = createLogger({}, { level: 'error' });
  const push = relayFanOut(store, api.endpoint, log, fanOut);
  const results: FanOutResult[] = [];
  try {
    // A warm container: sockets open and code compiled before anything is timed.
    await writeSubscribers(dynamo.client, table, 'bench-warm', 1000);
    await push('bench-warm', frame('bench-warm'));
    for (const size of sizes) {
      const bridge = `bench-${size}`;
      await writeSubscribers(dynamo.client, table, bridge, size);
      const runs: { queryMs: number; pushMs: number; sent: number }[] = [];
      for (let run = 0; run < 3; run += 1) {
        const started = performance.now();
        const pushed = await push(bridge, frame(bridge));
        const totalMs = performance.now() - started;
        runs.push({
          queryMs: store.lastQueryMs,
          pushMs: totalMs - store.lastQueryMs,
          sent: pushed.sent,
        });
      }
      // The median run of three.
      const { queryMs, pushMs, sent } = [...runs].sort((a, b) => a.pushMs - b.pushMs)[1]!;
      const idealMs = idealFanOutMs(size, concurrency, latencyMs);
      results.push({ connections: size, queryMs, pushMs, idealMs, ratio: pushMs / idealMs, sent });
    }
  } finally {
    await api.close();
    await dynamo.close();
  }
  return results;
}

const frame = (bridge: string): ClientFrame => ({
  type: 'delivery',
  eventId: 'e',
  target: 'web',
  channel: bridge,
  status: 'delivered',
});

/** Subscription items exactly as DynamoConnectionStore.subscribe writes them, 8 batches in flight. */
async function writeSubscribers(
  client: DynamoDBClient,
  table: string,
  bridge: string,
  size: number,
) {
  const batches: WriteRequest[][] = [];
  for (let start = 0; start < size; start += 25) {
    batches.push(
      Array.from({ length: Math.min(25, size - start) }, (_, i) => ({
        PutRequest: {
          Item: {
            pk: { S: `CONN#c-${size}-${start + i}` },
            sk: { S: `SUB#${bridge}` },
            gsi1pk: { S: `SUBS#${bridge}` },
            gsi1sk: { S: `c-${size}-${start + i}` },
          },
        },
      })),
    );
  }
  await mapWithConcurrency(batches, 8, (requests) =>
    client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } })),
  );
}
