import { ProviderError } from './errors';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
};

/** Worth another try: throttling, provider outages and network failures, not a refusal. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ProviderError) {
    if (error.permanent) return false;
    const status = error.providerStatus;
    return status === undefined || status === 408 || status === 429 || status >= 500;
  }
  return true;
}

/**
 * The wait before attempt `attempt + 1`: the provider's Retry-After when it gave one,
 * otherwise exponential backoff with full jitter (so retries of many events spread out).
 */
export function retryDelayMs(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  // The provider's own wait is honoured in full: retrying sooner only meets the throttle again.
  if (error instanceof ProviderError && error.retryAfterMs !== undefined) return error.retryAfterMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Retry-After is seconds or an HTTP date (RFC 9110, section 10.2.3). */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
