import { describe, expect, it } from 'vitest';
import { runRouteFuzz } from './route-fuzz';

describe('route fuzz through the local runtime (npm run fuzz runs the full ≥ 9,000)', () => {
  it('never answers 5xx, answers every 4xx as problem+json, and stores deliveries whole or not at all', async () => {
    const report = await runRouteFuzz({ requests: Number(process.env.FUZZ_REQUESTS ?? 300) });

    expect(report.serverErrors).toEqual([]);
    expect(report.notProblemJson).toEqual([]);
    expect(report.strayItems).toEqual([]);
    expect(report.missingItems).toEqual([]);
    // The mix must reach both outcomes, or it proves nothing.
    expect(report.byStatus['200']).toBeGreaterThan(0);
    expect(report.storedItems).toBeGreaterThan(0);
  }, 120_000);
});
