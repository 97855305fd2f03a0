/**
 * `npm run soak`: messages from three providers through the real local runtime with provider
 * faults, redeliveries, a crash and restart, and a poison message; then the DLQ is replayed.
 * Prints lost / duplicated / parked per target and exits non-zero on any loss or duplicate.
 *   npm run soak -- --messages 2000 --rate 50 --faults 0.1 --redeliveries 0.1 --crash-at 0.4
 */
import '../local/tooling/sdk-node-warning';
import { parseArgs } from 'node:util';
import { runSoak } from './soak/run-soak';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '50' },
    faults: { type: 'string', default: '0.1' },
    redeliveries: { type: 'string', default: '0.1' },
    'crash-at': { type: 'string', default: '0.4' },
    seed: { type: 'string', default: '7' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'npm run soak -- [--messages N] [--rate per-second] [--faults 0..1] [--redeliveries 0..1] [--crash-at 0..1, 0 = no crash] [--seed N]',
  );
  process.exit(0);
}
const report = await runSoak({
  messages: Number(values.messages),
  ratePerSecond: Number(values.rate),
  faultRate: Number(values.faults),
  redeliveryRate: Number(values.redeliveries),
  crashAt: Number(values['crash-at']),
  seed: Number(values.seed),
  log: (line) => console.log(`soak: ${line}`),
});
console.log(
  `soak: ${values.messages} messages + 1 poison in ${report.seconds} s; crashes ${report.crashes}; sends resent after an unknown outcome ${report.unknownOutcomes}; webhook posts retried ${report.postsRetried}; faults injected ${JSON.stringify(report.faults)}; dead letters ${report.parkedBeforeReplay} parked, ${report.replayed} replayed`,
);
for (const [target, t] of Object.entries(report.targets)) {
  console.log(
    `  ${target.padEnd(13)} expected ${t.expected}, delivered ${t.delivered}, lost ${t.lost}, duplicated ${t.duplicated}`,
  );
}
const failed = Object.values(report.targets).some((t) => t.lost > 0 || t.duplicated > 0);
console.log(failed ? 'soak: FAILED (loss or duplicate)' : 'soak: ok (0 lost, 0 duplicated)');
process.exit(failed ? 1 : 0);
