import type { UnknownOutcomeResult } from '../../functions/core/relay/unknown-outcome';
import { PROVIDERS } from '../../functions/providers';
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
      looksFirst: looksBeforeResending(target),
      unknown: { found: 0, 'not-found': 0, resent: 0 },
    };
  }
  return figures;
}

/** Whether the relay looks for a copy at `provider` before sending again (findSent). */
export function looksBeforeResending(provider: Origin): boolean {
  const adapter = PROVIDERS.modules.find((m) => m.name === provider)?.outbound?.({ settings: {} });
  return adapter?.capabilities({ provider, channel: 'x', mode: 'message' }).findSent ?? false;
}

/**
 * A target's figures pass when nothing is lost and nothing is duplicated; where the relay
 * cannot look for a copy, a duplicate is allowed only for a send it made again after an
 * unknown outcome (at least once), never more of them.
 */
export function targetPasses(t: TargetFigures): boolean {
  return t.lost === 0 && t.duplicated <= (t.looksFirst ? 0 : t.unknown.resent);
}

/** The runtime's "delivery outcome unknown" lines, counted per target provider and result. */
export function unknownOutcomesByTarget(
  lines: readonly string[],
): Record<Origin, Record<UnknownOutcomeResult, number>> {
  const counts = Object.fromEntries(
    ORIGINS.map((o) => [o, { found: 0, 'not-found': 0, resent: 0 }]),
  ) as Record<Origin, Record<UnknownOutcomeResult, number>>;
  for (const line of lines) {
    if (!line.includes('delivery outcome unknown')) continue;
    const target = /target=([a-z]+)#/.exec(line)?.[1] as Origin | undefined;
    const result = /result=([a-z-]+)/.exec(line)?.[1] as UnknownOutcomeResult | undefined;
    if (target && result && counts[target]?.[result] !== undefined) counts[target][result] += 1;
  }
  return counts;
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
