export interface BackoffOptions {
  /** First retry's ceiling. Default 250 ms. */
  initialMs?: number;
  /** The ceiling never grows past this. Default 30 s. */
  maxMs?: number;
  /** Source of randomness in [0, 1); tests pin it. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and
 * Jitter"): a uniform delay in [0, min(max, initial * 2^attempt)), so clients that lost the
 * same server do not come back in lockstep.
 */
export function fullJitterDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 250;
  const max = options.maxMs ?? 30_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
