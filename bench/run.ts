/** `npm run bench`: every speed and cost target of the bridge, measured in one run. */
import { execFileSync } from 'node:child_process';
import { benchFanOut } from './fanout';

// Local endpoints only; the SDK still wants credentials to sign with.
process.env.AWS_ACCESS_KEY_ID ??= 'bench';
process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
process.env.AWS_REGION ??= 'us-east-1';
import { benchRequests } from './requests';
import { benchReview } from './review';

const latencyMs = 20;
const concurrency = 64;
console.log(`fan-out: injected latency ${latencyMs} ms per post, concurrency ${concurrency}`);
for (const r of await benchFanOut([10, 100, 1000, 10_000], { latencyMs, concurrency })) {
  console.log(
    `  ${String(r.connections).padStart(6)} connections: push ${r.pushMs.toFixed(0).padStart(6)} ms, ideal ${r.idealMs.toFixed(0).padStart(5)} ms, ratio ${r.ratio.toFixed(2)}; subscriber query ${r.queryMs.toFixed(0)} ms (sent ${r.sent})`,
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
  }).replace(/^/gm, '  '),
);
