import * as v from 'valibot';
import { ingestNormalized } from './core/ingest';
import { firstIssue } from './core/validation';
import { getRuntime, withBridges } from './runtime/runtime';
import { normalizeIvsReviewInput } from './providers/ivs/inbound';
import { IvsReviewInputSchema } from './providers/ivs/schema';

export interface IvsReviewResult {
  ReviewResult: 'ALLOW' | 'DENY';
  Content: string;
  Attributes: Record<string, string>;
}

/**
 * How long the store may take before the handler answers anyway. IVS gives the review handler
 * 200 ms, not adjustable; a slow write must never turn into a fallback DENY or a timeout, and
 * the chat-logging path ingests the same message idempotently if this write is lost.
 */
export const STORE_BUDGET_MS = 120;

/**
 * The IVS message review handler: always ALLOW with content and attributes unchanged (the
 * bridge relays, it does not moderate), after storing the message within a time budget.
 */
export async function reviewIvsMessage(
  input: unknown,
  options: { budgetMs?: number; now?: () => Date } = {},
): Promise<IvsReviewResult> {
  const record = input as { Content?: unknown; Attributes?: unknown };
  const allow: IvsReviewResult = {
    ReviewResult: 'ALLOW',
    Content: typeof record?.Content === 'string' ? record.Content : '',
    Attributes: isStringMap(record?.Attributes) ? record.Attributes : {},
  };
  let runtime: ReturnType<typeof getRuntime>;
  try {
    runtime = getRuntime();
  } catch {
    // A broken configuration must not block the room: answer ALLOW; the init error is logged
    // by every other handler and by the chat-logging ingest, which will fail loudly.
    return allow;
  }
  const parsed = v.safeParse(IvsReviewInputSchema, input);
  if (!parsed.success) {
    runtime.log.warn('ivs review input does not match the documented shape; allowed, not stored', {
      field: firstIssue(parsed.issues).field,
    });
    runtime.metrics.count('ReviewInputRejected', { provider: 'ivs' });
    return allow;
  }
  const now = options.now ?? (() => new Date());
  const store = withBridges(runtime)
    .then((deps) =>
      ingestNormalized('ivs', normalizeIvsReviewInput(parsed.output, now()), input, deps),
    )
    .then(
      () => 'stored' as const,
      (error: unknown) => {
        runtime.log.error('ivs review store failed; chat logging will ingest it', {
          messageId: parsed.output.MessageId,
          error,
        });
        runtime.metrics.count('ReviewStoreFailed', { provider: 'ivs' });
        return 'failed' as const;
      },
    );
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.budgetMs ?? STORE_BUDGET_MS);
  });
  const outcome = await Promise.race([store, budget]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    runtime.log.warn('ivs review store exceeded its budget; answered ALLOW', {
      messageId: parsed.output.MessageId,
    });
    runtime.metrics.count('ReviewStoreSlow', { provider: 'ivs' });
  }
  return allow;
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === 'string')
  );
}

export const handler = (event: unknown) => reviewIvsMessage(event);
