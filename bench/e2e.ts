/**
 * End-to-end bench through the bridge as a user runs it: `npm start` in its own process
 * (bench/e2e-runtime.ts), first with a fresh data folder (the README's start), then with
 * `--memory`; the peers (provider servers, WebSocket clients, webhook poster) in another.
 * 1. the first message after start: one raw client's `send` -> 10 subscribers hold it;
 * 2. latency (data folder only): webhooks at a steady rate to a bridge with 10 WebSocket
 *    subscribers and three provider targets; webhook POST start -> each subscriber holds the
 *    `event` frame, and -> each provider server received the relayed message;
 * 3. fan-out (bench/e2e-fanout.ts): one `send` -> all N subscribers hold the `event` frame,
 *    with and without the client's `seq`, beside the direct-post baseline in the same run.
 * Run alone: npx tsx bench/e2e.ts [--duration 20] [--rate 100] [--sizes 10,100,1000,5000]
 *   [--runs 5] [--provider-latency 0] [--warmup 10]
 */
import { resolve } from 'node:path';
import type { SteadyResult } from './e2e-config';
import { fanOutTable, fanOutTimer, oneUserFanOut, subscribeUpTo } from './e2e-fanout';
import type { NpmStartedRuntime } from './e2e-runtime';
import { startBenchWorld } from './e2e-world';
import type { Peer } from './ipc';
import { summary } from './stats';

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
  const { peers } = world;
  try {
    for (const memory of [false, true]) {
      const how = memory ? 'npm start -- --memory' : 'npm start (a fresh data folder)';
      const started = performance.now();
      const runtime = await world.startRuntime(memory);
      try {
        print(
          `${how}: runtime.json written ${(performance.now() - started).toFixed(0)} ms after the command`,
        );
        await subscribeUpTo(peers, runtime, o.subscribers);
        const time = fanOutTimer(peers, runtime);
        const first = await time('raw');
        print(
          `  first message after start: a raw client's send -> ${o.subscribers} subscribers hold it in ${first.toFixed(0)} ms`,
        );
        if (!memory) await latency(peers, runtime, o, print);
        print(
          `  fan-out ${memory ? "right after start (cold: V8 has not optimised the hot paths yet; a fresh runtime's first ~100 messages are up to 1.5x slower)" : 'after the latency phase (warm)'}: one client "send" -> all subscribers hold the event frame, median of ${o.runs}, vs the direct-post baseline (Query + FanOut posting to each, same runtime):`,
        );
        await fanOutTable(peers, runtime, time, o, print);
        if (memory) await oneUserFanOut(peers, runtime, time, { size: 1000, runs: o.runs }, print);
        const problems = runtime.problems;
        if (problems.length > 0)
          print(
            `  the runtime logged ${problems.length} warning/error line(s), first: ${problems[0]}`,
          );
      } finally {
        await runtime.close();
        await peers.call('reset');
      }
    }
  } finally {
    await world.close();
  }
}

async function latency(
  peers: Peer,
  runtime: NpmStartedRuntime,
  o: E2eOptions,
  print = console.log,
) {
  // Warm every Lambda of the path (module load, SDK clients, provider tokens, and V8's
  // optimised code for the hot paths, which takes a few thousand calls) before timing, at
  // the measured rate: warm containers are what a steady load meets on AWS too.
  const steadyFor = (seconds: number, runId: number) =>
    peers.call<SteadyResult>('steady', {
      httpUrl: runtime.info.httpUrl,
      rate: o.rate,
      durationMs: seconds * 1000,
      runId,
    });
  const warm = await steadyFor(o.warmupSeconds, 1);
  print(
    `  warm-up (not counted below): ${warm.posted} webhooks at ${o.rate}/s; webhook -> subscriber ${summary(warm.subscriberMs)}`,
  );
  const steady = await steadyFor(o.durationSeconds, 2);
  print(
    `  end-to-end latency: ${steady.posted} Gitple webhooks at ${o.rate}/s for ${o.durationSeconds} s, ${o.subscribers} WebSocket subscribers, 3 provider targets`,
  );
  print(
    `    webhook -> subscriber holds the event frame: ${summary(steady.subscriberMs)}  [target p99 <= 50 ms]`,
  );
  for (const [provider, samples] of Object.entries(steady.providerMs)) {
    print(
      `    webhook -> ${`${provider} server`.padEnd(19)} got the message: ${summary(samples)}  [target p99 <= 50 ms + provider latency]`,
    );
  }
  print(
    `    provider servers' own latency: ${o.providerLatencyMs} ms injected; measured answer time ${summary(steady.providerServiceMs)}`,
  );
  print(
    `    failed webhook posts ${steady.failedPosts}, frames missing ${steady.missingFrames}, provider copies missing ${steady.missingProviderCopies}; poster fell behind its schedule by up to ${steady.scheduleLateMaxMs.toFixed(1)} ms`,
  );
  for (const [status, { count, body }] of Object.entries(steady.failures)) {
    print(
      `      ${count} webhook post(s) answered ${status === '0' ? 'nothing' : status}: ${body}`,
    );
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
