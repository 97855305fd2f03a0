import { describe, expect, it } from 'vitest';
import { runSoak, type SoakReport } from '../../scripts/soak/run-soak';

/**
 * `npm run soak`, short: a few hundred messages across three providers through the real
 * local runtime (its own process) with provider faults, redeliveries, one SIGKILL and
 * restart on the same data folder, and a poison message that fails until it is parked and
 * then replayed. Nothing may be lost and nothing duplicated, at any target.
 */
describe('soak, short, through the local runtime', () => {
  it('loses nothing and duplicates nothing across faults, a crash and a poison message', async () => {
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

    const figures = Object.fromEntries(
      Object.entries(report.targets).map(([target, t]) => [
        target,
        { lost: t.lost, duplicated: t.duplicated },
      ]),
    );
    expect(figures, lines.join('\n')).toEqual({
      gitple: { lost: 0, duplicated: 0 },
      pingstreams: { lost: 0, duplicated: 0 },
      tigerconnect: { lost: 0, duplicated: 0 },
    });
    expect(report.crashes).toBe(1);
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // The poison was parked while it failed, then replayed once it could succeed.
    expect(report.parkedBeforeReplay).toBeGreaterThanOrEqual(1);
    expect(report.replayed).toBe(report.parkedBeforeReplay);
  }, 600_000);
});
