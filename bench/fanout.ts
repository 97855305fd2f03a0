/**
 * Fan-out to N WebSocket connections through the relay's own fan-out entry point and the real
 * ApiGatewayManagementApiClient, against a local @connections endpoint (another process) that
 * answers each post after an injected latency. The ideal (idealFanOutMs) is what posting with
 * that many in flight costs at best, per invocation, with pages in parallel invocations above
 * the paging threshold; the ratio to it shows what the bridge itself adds. The subscriber
 * Query is timed apart (it is not in the ideal). Pages are timed as separate sandboxes (see
 * relayFanOut).
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
  /** Paged only: every page at once in this one process, sharing its two CPUs. */
  sharedMs?: number;
  /** Paged only: CPU a page's process spends per post (sizes the FanOut function). */
  cpuPerPostUs?: number;
}

/** Above this many subscribers the relay posts in pages, each in its own FanOut invocation. */
export const BENCH_PAGED = { threshold: 2000, pageSize: 1000, pagesInFlight: 32 };

/**
 * The relay's fan-out entry point (`forBatch().broadcast`), paged exactly as on AWS. Each page
 * stands for one FanOut invocation: a warm container with its own client and sockets, posting
 * with the same bounded concurrency. On AWS every invocation has a CPU of its own; this
 * machine has two, which twenty pages posting at once would share. So pages run one at a
 * time, each timed alone as its own sandbox would run it, and the fan-out's time is the
 * relay's own part plus, per wave of pages in flight, the slowest page of the wave
 * (`sandboxMs`). How long the same pages take when they all share this process is kept
 * too (`sharedMs`).
 */
function relayFanOut(
  store: ConnectionStore,
  endpoint: string,
  log: Logger,
  fanOut: FanOutOptions,
): (
  bridgeId: string,
  frame: ClientFrame,
  isolated: boolean,
) => Promise<{ result: BroadcastResult; pageMs: number[]; pageCpuMs: number }> {
  const containers = Array.from({ length: BENCH_PAGED.pagesInFlight }, () =>
    createManagementClient(endpoint, fanOut),
  );
  let pageMs: number[] = [];
  let pageCpuMs = 0;
  let isolate = true;
  let turn: Promise<unknown> = Promise.resolve();
  const dispatcher = {
    dispatch: (page: FanOutPage) => {
      const container = containers[pageMs.length % containers.length]!;
      const slot = pageMs.push(0) - 1;
      const run = (isolate ? turn : Promise.resolve()).then(async () => {
        const started = performance.now();
        const cpu = process.cpuUsage();
        const posted = await postToConnections(
          container,
          page.connectionIds,
          Buffer.from(page.frame),
          { concurrency: fanOut.concurrency, log },
        );
        pageMs[slot] = performance.now() - started;
        const used = process.cpuUsage(cpu);
        pageCpuMs += (used.user + used.system) / 1000;
        return posted;
      });
      turn = run.catch(() => undefined);
      return run;
    },
  };
  const broadcaster = new ApiGatewayBroadcaster(
    store,
    createManagementClient(endpoint, fanOut),
    log,
    fanOut,
    { threshold: BENCH_PAGED.threshold, pageSize: BENCH_PAGED.pageSize, dispatcher },
  );
  return async (bridgeId, frame, isolated) => {
    pageMs = [];
    pageCpuMs = 0;
    isolate = isolated;
    const result = await broadcaster.forBatch().broadcast(bridgeId, frame);
    return { result, pageMs, pageCpuMs };
  };
}

/** Pages in flight together form a wave; a wave lasts as long as its slowest page. */
export function sandboxFanOutMs(totalMs: number, pageMs: readonly number[]): number {
  if (pageMs.length === 0) return totalMs;
  const relayOwnMs = totalMs - pageMs.reduce((sum, ms) => sum + ms, 0);
  let waves = 0;
  for (let start = 0; start < pageMs.length; start += BENCH_PAGED.pagesInFlight) {
    waves += Math.max(...pageMs.slice(start, start + BENCH_PAGED.pagesInFlight));
  }
  return relayOwnMs + waves;
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
  // The broadcaster reads `subscriptions` (ids with their wishes); `subscribers` is its sibling.
  timed.subscriptions = async (bridgeId: string) => {
    const started = performance.now();
    const found = await store.subscriptions(bridgeId);
    timed.lastQueryMs = performance.now() - started;
    return found;
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
    await push('bench-warm', frame('bench-warm'), true);
    for (const size of sizes) {
      const bridge = `bench-${size}`;
      await writeSubscribers(dynamo.client, table, bridge, size);
      const runs: { queryMs: number; pushMs: number; sent: number; cpuPerPostUs?: number }[] = [];
      for (let run = 0; run < 3; run += 1) {
        const started = performance.now();
        const { result, pageMs, pageCpuMs } = await push(bridge, frame(bridge), true);
        const totalMs = sandboxFanOutMs(performance.now() - started, pageMs);
        runs.push({
          ...(pageMs.length > 0 && { cpuPerPostUs: (pageCpuMs * 1000) / result.sent }),
          queryMs: store.lastQueryMs,
          pushMs: totalMs - store.lastQueryMs,
          sent: result.sent,
        });
      }
      // The median run of three.
      const { queryMs, pushMs, sent, cpuPerPostUs } = [...runs].sort(
        (a, b) => a.pushMs - b.pushMs,
      )[1]!;
      const idealMs = idealFanOutMs(size, concurrency, latencyMs);
      let sharedMs: number | undefined;
      if (size > BENCH_PAGED.threshold) {
        const started = performance.now();
        await push(bridge, frame(bridge), false);
        sharedMs = performance.now() - started - store.lastQueryMs;
      }
      results.push({
        connections: size,
        queryMs,
        pushMs,
        idealMs,
        ratio: pushMs / idealMs,
        sent,
        ...(sharedMs !== undefined && { sharedMs }),
        ...(cpuPerPostUs !== undefined && { cpuPerPostUs }),
      });
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
