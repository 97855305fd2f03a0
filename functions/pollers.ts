import type { Context } from 'aws-lambda';
import { getRuntime, withBridges } from './runtime/runtime';

/** Read the event sources for under a minute, so a poll scheduled every minute never overlaps. */
export const DEFAULT_POLL_BUDGET_MS = 50_000;

/** Left of the Lambda's time after a poll's source closes: the last store and ack must finish. */
export const POLL_DEADLINE_MARGIN_MS = 8_000;

/** The poll budget that also stays inside the Lambda's remaining time. */
export function pollBudgetMs(remainingMs: number, budgetMs = DEFAULT_POLL_BUDGET_MS): number {
  return Math.max(0, Math.min(budgetMs, remainingMs - POLL_DEADLINE_MARGIN_MS));
}

/**
 * Scheduled every minute for the providers that offer no push (TigerConnect): each registered
 * poller reads its source, stores, then acks, all in parallel within one budget. One poller's
 * failure is its own: the others' outcomes still come back.
 */
export const handler = async (
  _event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<Record<string, unknown>> => {
  // One bridges snapshot per run: a poll lasts under a minute.
  const runtime = await withBridges(getRuntime());
  const budgetMs = context
    ? pollBudgetMs(context.getRemainingTimeInMillis())
    : DEFAULT_POLL_BUDGET_MS;
  const outcomes = await Promise.all(
    runtime.providers.pollers().map(async ([name, poller]) => {
      try {
        return [name, await poller.poll({ runtime, budgetMs })] as const;
      } catch (error) {
        runtime.log.error('poller failed', { provider: name, error });
        return [name, { failed: true }] as const;
      }
    }),
  );
  return Object.fromEntries(outcomes);
};
