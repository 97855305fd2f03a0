/**
 * Fan-out as a user meets it, on a runtime `npm start` started: one `send` from a client ->
 * every subscriber holds the `event` frame, with the client's `seq` (as @chat-bridge/client
 * sends) and without it (a raw WebSocket client), beside the direct-post baseline (Query +
 * one FanOut invocation posting to each, same runtime, gateway and clients) in the same run.
 * Subscribers connect and subscribe in bursts of 50; runs of the three paths are interleaved,
 * so all three see the same machine load.
 */
import { execFileSync } from 'node:child_process';
import type { NpmStartedRuntime } from './e2e-runtime';
import { BENCH_BRIDGE, SENDER_SUB } from './e2e-config';
import type { Peer } from './ipc';
import { median } from './stats';

export type FanOutPath = 'seq' | 'raw' | 'direct';

/** Times one fan-out of each path against one runtime; markers and seq numbers run on. */
export function fanOutTimer(peers: Peer, runtime: NpmStartedRuntime) {
  let marker = 0;
  let seq = 0;
  const { info } = runtime;
  return (path: FanOutPath): Promise<number> => {
    const text = `mk3x${(marker += 1)}`;
    if (path === 'direct') {
      return peers.call<number>('directFanOut', {
        marker: text,
        bridge: BENCH_BRIDGE,
        dynamoEndpoint: info.dynamoEndpoint,
        stateTable: info.tableNames.STATE_TABLE,
        invokeEndpoint: info.httpUrl,
        timeoutMs: 300_000,
      });
    }
    const send = { action: 'send', bridge: BENCH_BRIDGE, text, clientMessageId: text };
    const frame = path === 'seq' ? { ...send, seq: (seq += 1) } : send;
    return peers.call<number>('fanOut', { frame, marker: text, timeoutMs: 300_000 });
  };
}

export async function subscribeUpTo(
  peers: Peer,
  runtime: NpmStartedRuntime,
  total: number,
  sub?: string,
) {
  const opened = performance.now();
  const { retries } = await peers.call<{ retries: number }>('subscribe', {
    wsUrl: runtime.info.wsUrl,
    bridge: BENCH_BRIDGE,
    total,
    parallel: 50,
    ...(sub && { sub }),
  });
  return { seconds: (performance.now() - opened) / 1000, retries };
}

/** One row per size: medians of `runs` runs of each path, and the ratios to the baseline. */
export async function fanOutTable(
  peers: Peer,
  runtime: NpmStartedRuntime,
  time: ReturnType<typeof fanOutTimer>,
  options: { sizes: number[]; runs: number },
  print: (line: string) => void,
) {
  // Each process holds one descriptor per subscriber (the runtime the server side, the peers
  // the client side), plus pools and files: stay clear of the soft limit rather than raise it.
  const fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  const cap = Number.isFinite(fdLimit) ? fdLimit - 1000 : Infinity;
  for (const wanted of options.sizes) {
    const size = Math.min(wanted, cap);
    if (size < wanted)
      print(
        `  ${wanted} subscribers: capped at ${size} by the open-file limit (ulimit -n ${fdLimit})`,
      );
    const opened = await subscribeUpTo(peers, runtime, size);
    if (wanted === options.sizes[0]) for (const path of PATHS) await time(path); // warm each once
    const runs: Record<FanOutPath, number[]> = { seq: [], raw: [], direct: [] };
    for (let run = 0; run < options.runs; run += 1)
      for (const path of PATHS) runs[path].push(await time(path));
    const [seq, raw, direct] = PATHS.map((path) => median(runs[path])) as [number, number, number];
    const target =
      size === 10 ? ' [target p50 <= 30 ms]' : size === 1000 ? ' [target ratio <= 1.2]' : '';
    print(
      `  ${String(size).padStart(5)} subscribers: with seq ${ms(seq)}, raw client ${ms(raw)}, baseline ${ms(direct)}; ratio ${(seq / direct).toFixed(2)} / ${(raw / direct).toFixed(2)}${target}  (runs ${PATHS.map((p) => runs[p].map((v) => v.toFixed(0)).join('/')).join(' | ')}; subscribing ${opened.seconds.toFixed(1)} s, ${opened.retries} retries so far)`,
    );
  }
}

/**
 * One user on every connection (one app JWT for all, as a quick load test or the README's
 * try-it flow hands out): every subscriber is also one of the sender's connections, so it
 * gets the event's four delivery frames too. A raw client's send, beside the baseline.
 */
export async function oneUserFanOut(
  peers: Peer,
  runtime: NpmStartedRuntime,
  time: ReturnType<typeof fanOutTimer>,
  options: { size: number; runs: number },
  print: (line: string) => void,
) {
  await peers.call('reset');
  await subscribeUpTo(peers, runtime, options.size, SENDER_SUB);
  const runs: Record<'raw' | 'direct', number[]> = { raw: [], direct: [] };
  for (let run = 0; run < options.runs; run += 1)
    for (const path of ['raw', 'direct'] as const) runs[path].push(await time(path));
  const [raw, direct] = [median(runs.raw), median(runs.direct)];
  print(
    `  ${String(options.size).padStart(5)} connections of the sender's own user: raw client ${ms(raw)}, baseline ${ms(direct)}; ratio ${(raw / direct).toFixed(2)}  (runs ${runs.raw.map((v) => v.toFixed(0)).join('/')} | ${runs.direct.map((v) => v.toFixed(0)).join('/')}; each also gets 4 delivery frames, after the event)`,
  );
}

const PATHS: FanOutPath[] = ['seq', 'raw', 'direct'];
const ms = (value: number) => `${value.toFixed(0).padStart(5)} ms`;
