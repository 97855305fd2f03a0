/** Run `work` over `items` with at most `limit` in flight; results in input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Wait `ms` on the real clock: the default wherever a dependency can take a fake sleep. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves after `turns` turns of the event loop: what those turns queue goes out first. */
export async function afterTurns(turns: number): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Run `work` with a signal that aborts after `ms` (with a TimeoutError, as
 * `AbortSignal.timeout` would), and drop the timer the moment the work settles.
 * `AbortSignal.timeout` keeps its timer for the whole delay (10 s for a provider call) and
 * holds its signal through a weak reference that only a full collection clears, so on a hot
 * path each call's signal and the listeners on it outlive the call; at 100 events/s the old
 * generation grew to ~150 MB between mark-compacts of up to 16 ms (the e2e bench).
 */
export async function withDeadline<T>(
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')),
    ms,
  );
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
