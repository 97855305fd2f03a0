/**
 * `npm run soak`: messages from three providers through the real local runtime with provider
 * faults, redeliveries, a crash and restart, and a poison message; then the DLQ is replayed.
 * Prints lost / duplicated / parked per target and exits non-zero on any loss, on any duplicate
 * at a target the relay looks at before sending again (findSent), and elsewhere on more
 * duplicates than sends it made again after an unknown outcome.
 *   npm run soak -- --messages 2000 --rate 50 --faults 0.1 --redeliveries 0.1 --crash-at 0.4
 */
import '../local/tooling/sdk-node-warning';
import { parseArgs } from 'node:util';
import { runSoak } from './soak/run-soak';
import { targetPasses } from './soak/soak-checks';

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
  `soak: ${values.messages} messages + 1 poison in ${report.seconds} s; crashes ${report.crashes} (in flight at ${report.heldAtCrash.join(', ') || 'none'}); unknown outcomes ${report.unknownOutcomes}; webhook posts retried ${report.postsRetried}; faults injected ${JSON.stringify(report.faults)}; dead letters ${report.parkedBeforeReplay} parked, ${report.replayed} replayed`,
);
for (const [target, t] of Object.entries(report.targets)) {
  const unknown = `unknown outcomes: found ${t.unknown.found}, not found ${t.unknown['not-found']}, resent ${t.unknown.resent}`;
  const rule = t.looksFirst ? 'looks first: 0 duplicates allowed' : 'at least once';
  console.log(
    `  ${target.padEnd(13)} expected ${t.expected}, delivered ${t.delivered}, lost ${t.lost}, duplicated ${t.duplicated}; ${unknown} (${rule})`,
  );
}
const failed = Object.values(report.targets).some((t) => !targetPasses(t));
console.log(
  failed
    ? 'soak: FAILED (a loss, or a duplicate the relay could have avoided)'
    : 'soak: ok (0 lost; 0 duplicated where the relay looks first, no more than resent elsewhere)',
);
process.exit(failed ? 1 : 0);
