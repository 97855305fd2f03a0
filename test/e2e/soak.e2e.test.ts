import { describe, expect, it } from 'vitest';
import { runSoak, type SoakReport } from '../../scripts/soak/run-soak';

/**
 * `npm run soak`, short: a few hundred messages across three providers through the real
 * local runtime (its own process) with provider faults, redeliveries, one SIGKILL and
 * restart on the same data folder, and a poison message that fails until it is parked and
 * then replayed. Nothing may be lost and nothing duplicated, at any target.
 */
describe('soak, short, through the local runtime', () => {
  it('loses nothing, and duplicates only a send in flight at the crash, across faults, a crash and a poison message', async () => {
    const lines: string[] = [];
    const report: SoakReport = await runSoak({
      messages: 240,
      ratePerSecond: 40,
      faultRate: 0.1,
      redeliveryRate: 0.1,
      crashAt: 0.4,
      seed: 11,
      log: (line) => lines.push(line),
    });

    const detail = `${lines.join('\n')}\n${JSON.stringify(report)}`;
    for (const figures of Object.values(report.targets)) expect(figures.lost, detail).toBe(0);
    // A duplicate can come from one place only: a send in flight at the SIGKILL that the
    // provider received, found on restart as an intent without an outcome and made again
    // (providers take no idempotency key). Every duplicate must be one of those, flagged.
    const duplicated = Object.values(report.targets).reduce((n, t) => n + t.duplicated, 0);
    expect(duplicated, detail).toBeLessThanOrEqual(report.unknownOutcomes);
    expect(report.unknownOutcomes, detail).toBeLessThanOrEqual(3);
    expect(report.crashes).toBe(1);
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // The poison was parked while it failed, then replayed once it could succeed.
    expect(report.parkedBeforeReplay).toBeGreaterThanOrEqual(1);
    expect(report.replayed).toBe(report.parkedBeforeReplay);
  }, 600_000);
});
