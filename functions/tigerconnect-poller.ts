import type { Context } from 'aws-lambda';
import { getRuntime } from './runtime/runtime';
import {
  DEFAULT_POLL_BUDGET_MS,
  pollBudgetMs,
  pollTigerConnectEvents,
} from './providers/tigerconnect/poller';

/**
 * Scheduled every minute (TigerConnect has no webhooks): read the event stream for under a
 * minute, store, ack. The budget also stays inside the Lambda's own remaining time, so the
 * last stores and acks finish before the timeout.
 */
export const handler = (_event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) =>
  pollTigerConnectEvents({
    runtime: getRuntime(),
    budgetMs: context ? pollBudgetMs(context.getRemainingTimeInMillis()) : DEFAULT_POLL_BUDGET_MS,
  });
