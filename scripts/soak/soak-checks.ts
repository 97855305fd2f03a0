import { ORIGINS, type Origin } from './messages';
import type { TargetFigures } from './run-soak';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Nothing new at any target for this long: what is still missing is not merely retrying (the
 * relay's backoff and the stream's retry delays reach ~16 s). */
const QUIET_MS = 20_000;

/** What each target received, by marker: delivered, lost, duplicated. */
export function tally(
  sent: { marker: string; origin: Origin }[],
  received: Record<Origin, () => string[]>,
): Record<Origin, TargetFigures> {
  const figures = {} as Record<Origin, TargetFigures>;
  for (const target of ORIGINS) {
    const texts = received[target]();
    const copies = new Map<string, number>();
    for (const text of texts) {
      const marker = /soak#(?:\d+|poison)#/.exec(text)?.[0];
      if (marker) copies.set(marker, (copies.get(marker) ?? 0) + 1);
    }
    const expected = sent.filter((s) => s.origin !== target);
    const delivered = expected.filter((s) => (copies.get(s.marker) ?? 0) > 0).length;
    const duplicated = [...copies.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    figures[target] = {
      expected: expected.length,
      delivered,
      lost: expected.length - delivered,
      duplicated,
    };
  }
  return figures;
}

/** Until every target has everything, or nothing changed for 5 s, or the time is up. */
export async function settle(
  count: () => Record<Origin, TargetFigures>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const now = count();
    if (Object.values(now).every((t) => t.lost === 0)) return;
    const key = JSON.stringify(now);
    if (key !== last) {
      last = key;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > QUIET_MS) {
      return;
    }
    await sleep(250);
  }
}

export async function invokeDeadLetters(
  httpUrl: string,
  action: 'list' | 'replay',
): Promise<Record<string, unknown>> {
  const response = await fetch(`${httpUrl}/2015-03-31/functions/DeadLetters/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action }),
  });
  return (await response.json()) as Record<string, unknown>;
}
