/**
 * `npm run bench`: every speed and cost target of the bridge, measured in one run.
 * `npm run bench -- --duration 20` sets the end-to-end steady-rate phase (seconds, at least 20
 * for the published figures); `--sizes 10,100,1000,5000` the end-to-end fan-out sizes;
 * `--fanout-sizes 10,100,1000,10000,20000` the in-process fan-out sizes; `--provider-latency 0`
 * the latency (ms) the fake provider servers add before answering.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { benchBundles } from './bundles';
import { BENCH_PAGED, benchFanOut } from './fanout';

// Local endpoints only; the SDK still wants credentials to sign with.
process.env.AWS_ACCESS_KEY_ID ??= 'bench';
process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { benchRequests } from './requests';
import { benchReview } from './review';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1]! : fallback;
}
const began = performance.now();
console.log(
  `chat-bridge bench, ${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

// End-to-end in its own process: the local runtime sets process-wide environment and state.
try {
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/e2e.ts',
      '--duration',
      option('duration', '20'),
      '--sizes',
      option('sizes', '10,100,1000,5000'),
      '--provider-latency',
      option('provider-latency', '0'),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
} catch {
  // Its own error is already on stderr; the other measurements still run.
  console.log('  the end-to-end bench failed (see above); the rest of the run continues');
}

const latencyMs = 20;
const concurrency = 64;
console.log(
  `fan-out through the relay's fan-out entry point (in process): injected latency ${latencyMs} ms per post, concurrency ${concurrency}; ideal = ceil(N / ${concurrency}) x ${latencyMs} ms, above ${BENCH_PAGED.threshold} per wave of ${BENCH_PAGED.pagesInFlight} pages of ${BENCH_PAGED.pageSize}; pages timed one at a time, as separate sandboxes (the slowest page of each wave counts)`,
);
const fanOutSizes = option('fanout-sizes', '10,100,1000,10000,20000').split(',').map(Number);
for (const r of await benchFanOut(fanOutSizes, { latencyMs, concurrency })) {
  const shared =
    r.sharedMs === undefined
      ? ''
      : `; CPU ${r.cpuPerPostUs?.toFixed(0)} us per post; all pages at once in this one process: ${r.sharedMs.toFixed(0)} ms (${(r.sharedMs / r.idealMs).toFixed(1)}x, its ${cpus().length} CPUs shared)`;
  console.log(
    `  ${String(r.connections).padStart(6)} connections: push ${r.pushMs.toFixed(0).padStart(6)} ms, ideal ${r.idealMs.toFixed(0).padStart(5)} ms, ratio ${r.ratio.toFixed(2)}${r.connections === 20_000 ? ' [target <= 1.3]' : ''}; subscriber query ${r.queryMs.toFixed(0)} ms (sent ${r.sent})${shared}`,
  );
}
const requests = await benchRequests(50);
console.log('DynamoDB requests:');
console.log(`  per new inbound event: ${requests.perNewEvent}`);
console.log(`  per duplicate delivery: ${requests.perDuplicate}`);
console.log(
  `  per relayed message (${requests.targets} provider targets + web push): ${requests.perRelayedMessage}`,
);
for (const [name, count] of Object.entries(requests.breakdown))
  console.log(`    ${name}: ${count.toFixed(2)}`);
// Bridges from the table through the handlers' cache: TTL 0 checks the revision at every
// invocation (the worst case); the default 2 s TTL checks at most once per 2 s per container.
for (const ttl of [0, 2000]) {
  const cached = await benchRequests(50, { cacheTtlMs: ttl });
  const snapshot = cached.snapshotMs!;
  console.log(
    `  bridges from the table, cache TTL ${ttl} ms: per new inbound event ${cached.perNewEvent}, per relayed message ${cached.perRelayedMessage} (file only: ${requests.perNewEvent} and ${requests.perRelayedMessage}); snapshot at entry p50 ${snapshot.p50.toFixed(2)} ms, max ${snapshot.max.toFixed(1)} ms, cold load ${snapshot.coldLoad.toFixed(1)} ms`,
  );
}

const review = await benchReview(500);
console.log(
  `IVS review handler (${review.runs} new messages, each stored): p50 ${review.p50.toFixed(1)} ms, p99 ${review.p99.toFixed(1)} ms, max ${review.max.toFixed(1)} ms; p99 is ${(review.p99 / review.deadlineMs).toFixed(2)} of the ${review.deadlineMs} ms deadline`,
);

// Start-up in its own process, so nothing this run loaded is counted or shared.
console.log('local runtime start-up (target: well under 2 s):');
process.stdout.write(
  execFileSync(process.execPath, ['--import', 'tsx', 'bench/startup.ts'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .trimEnd()
    .replace(/^/gm, '  ') + '\n',
);

console.log(
  'Lambda bundles (esbuild as the stack builds them; cold import: fresh node, median of 5):',
);
for (const f of await benchBundles()) {
  console.log(
    `  ${f.name.padEnd(14)} ${(f.bytes / 1024).toFixed(0).padStart(5)} KB  cold import ${f.coldImportMs.toFixed(1).padStart(6)} ms`,
  );
}
console.log(`bench took ${((performance.now() - began) / 1000).toFixed(0)} s`);
// Keep-alive sockets of the SDK clients would hold the process open.
process.exit(0);
