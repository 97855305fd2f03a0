/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

/** "p50 x ms, p99 y ms, max z ms" of the samples. */
export function summary(samples: readonly number[]): string {
  const f = (v: number) => `${v.toFixed(1)} ms`;
  return `p50 ${f(percentile(samples, 50))}, p99 ${f(percentile(samples, 99))}, max ${f(percentile(samples, 100))} (n=${samples.length})`;
}
