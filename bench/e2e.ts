/**
 * End-to-end bench through the real local runtime (see bench/e2e-world.ts):
 * 1. latency: webhooks at a steady rate to a bridge with 10 WebSocket subscribers and three
 *    provider targets; webhook POST start -> each subscriber holds the `event` frame, and
 *    -> each provider server received the relayed message;
 * 2. fan-out: one `send` from a client, time until all N subscribers hold the `event` frame,
 *    beside the direct-post baseline (bench/direct-fanout.ts) in the same run.
 * Run alone: npx tsx bench/e2e.ts [--duration 20] [--rate 100] [--sizes 10,100,1000,5000]
 *   [--runs 5] [--provider-latency 0] [--warmup 10]
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { DEFAULT_SEND_ORDER } from '../functions/core/send-order';
import { BENCH_BRIDGE, DIRECT_ROUTE, type SteadyResult } from './e2e-config';
import { startBenchWorld } from './e2e-world';
import { median, summary } from './stats';

export interface E2eOptions {
  durationSeconds: number;
  rate: number;
  subscribers: number;
  sizes: number[];
  runs: number;
  providerLatencyMs: number;
  warmupSeconds: number;
}

export async function benchEndToEnd(o: E2eOptions, print = console.log): Promise<void> {
  const world = await startBenchWorld({ providerLatencyMs: o.providerLatencyMs });
  const { bridge, peers } = world;
  try {
    await peers.call('subscribe', {
      wsUrl: bridge.wsUrl,
      bridge: BENCH_BRIDGE,
      total: o.subscribers,
    });
    // Warm every Lambda of the path (module load, SDK clients, provider tokens, and V8's
    // optimised code for the hot paths, which takes a few thousand calls) before timing, at
    // the measured rate: warm containers are what a steady load meets on AWS too.
    const steadyFor = (seconds: number, runId: number) =>
      peers.call<SteadyResult>('steady', {
        httpUrl: bridge.httpUrl,
        rate: o.rate,
        durationMs: seconds * 1000,
        runId,
      });
    const warm = await steadyFor(o.warmupSeconds, 1);
    print(
      `warm-up (not counted below): ${warm.posted} webhooks at ${o.rate}/s right after start; webhook -> subscriber ${summary(warm.subscriberMs)}`,
    );
    const steady = await steadyFor(o.durationSeconds, 2);
    print(
      `end-to-end latency, real local runtime: ${steady.posted} Gitple webhooks at ${o.rate}/s for ${o.durationSeconds} s, ${o.subscribers} WebSocket subscribers, 3 provider targets`,
    );
    print(
      `  webhook -> subscriber holds the event frame: ${summary(steady.subscriberMs)}  [target p99 <= 50 ms]`,
    );
    for (const [provider, samples] of Object.entries(steady.providerMs)) {
      print(
        `  webhook -> ${`${provider} server`.padEnd(19)} got the message: ${summary(samples)}  [target p99 <= 50 ms + provider latency]`,
      );
    }
    print(
      `  provider servers' own latency: ${o.providerLatencyMs} ms injected; measured answer time ${summary(steady.providerServiceMs)}`,
    );
    print(
      `  failed webhook posts ${steady.failedPosts}, frames missing ${steady.missingFrames}, provider copies missing ${steady.missingProviderCopies}; poster fell behind its schedule by up to ${steady.scheduleLateMaxMs.toFixed(1)} ms`,
    );
    for (const [status, { count, body }] of Object.entries(steady.failures)) {
      print(
        `    ${count} webhook post(s) answered ${status === '0' ? 'nothing' : status}: ${body}`,
      );
    }

    print(
      `fan-out through the whole path (one client "send" with its seq -> all subscribers hold the event frame; median of ${o.runs}) vs direct-post baseline (Query + post each, same gateway and client), same run:`,
    );
    let marker = 0;
    // The sender numbers its sends as @chat-bridge/client does (`seq`); `unnumbered` is a raw
    // client's frame, which waits out the gateway-time ordering gate (core/send-order.ts).
    let seq = 0;
    const timeOne = async (path: 'relay' | 'direct' | 'unnumbered') => {
      const text = `mk3x${(marker += 1)}`;
      const send = { action: 'send', bridge: BENCH_BRIDGE, text, clientMessageId: text };
      const frame =
        path === 'direct'
          ? { action: DIRECT_ROUTE, bridge: BENCH_BRIDGE, text }
          : path === 'relay'
            ? { ...send, seq: (seq += 1) }
            : send;
      return peers.call<number>('fanOut', { frame, marker: text, timeoutMs: 300_000 });
    };
    // Each process holds one descriptor per subscriber (the bridge the server side, the peers
    // the client side), plus pools and files: stay clear of the soft limit rather than raise it.
    const fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
    const cap = Number.isFinite(fdLimit) ? fdLimit - 1000 : Infinity;
    for (const wanted of o.sizes) {
      const size = Math.min(wanted, cap);
      if (size < wanted) {
        print(
          `  ${wanted} subscribers: capped at ${size} by the open-file limit (ulimit -n ${fdLimit})`,
        );
      }
      const opened = performance.now();
      const { retries } = await peers.call<{ retries: number }>('subscribe', {
        wsUrl: bridge.wsUrl,
        bridge: BENCH_BRIDGE,
        total: size,
      });
      const openSeconds = (performance.now() - opened) / 1000;
      if (size === o.sizes[0]) {
        // Warm both paths' Lambdas and connection pools before the first timed run.
        await timeOne('relay');
        await timeOne('direct');
      }
      const relay: number[] = [];
      const direct: number[] = [];
      // Interleaved, so both paths see the same machine load.
      for (let run = 0; run < o.runs; run += 1) {
        relay.push(await timeOne('relay'));
        direct.push(await timeOne('direct'));
      }
      const [full, base] = [median(relay), median(direct)];
      if (size === o.sizes[0]) {
        const raw: number[] = [];
        for (let run = 0; run < o.runs; run += 1) raw.push(await timeOne('unnumbered'));
        print(
          `  ${String(size).padStart(5)} subscribers, a send without seq (raw client: ordered by gateway time, ${DEFAULT_SEND_ORDER.graceMs} ms grace): ${median(raw).toFixed(0)} ms`,
        );
      }
      print(
        `  ${String(size).padStart(5)} subscribers: full path ${full.toFixed(0).padStart(5)} ms, baseline ${base.toFixed(0).padStart(5)} ms, ratio ${(full / base).toFixed(2)}${size === 1000 ? ' [target <= 1.2]' : ''}  (runs: ${relay.map((v) => v.toFixed(0)).join('/')} vs ${direct.map((v) => v.toFixed(0)).join('/')}; opening ${openSeconds.toFixed(1)} s, ${retries} subscribe retries so far)`,
      );
    }
    const problems = world.problems.filter((line) => line.includes('"error"'));
    if (problems.length > 0) {
      print(`  the local runtime logged ${problems.length} error line(s), first: ${problems[0]}`);
    }
  } finally {
    await world.close();
  }
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1]! : fallback;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await benchEndToEnd({
    durationSeconds: Number(option('duration', '20')),
    rate: Number(option('rate', '100')),
    subscribers: 10,
    sizes: option('sizes', '10,100,1000,5000').split(',').map(Number),
    runs: Number(option('runs', '5')),
    providerLatencyMs: Number(option('provider-latency', '0')),
    warmupSeconds: Number(option('warmup', '10')),
  });
  // Keep-alive sockets of the SDK clients would hold the process open.
  process.exit(0);
}
