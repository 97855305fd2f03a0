import { afterEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../../functions/core/concurrency';

describe('withDeadline', () => {
  afterEach(() => vi.useRealTimers());

  it('hands back what the work returns and leaves no timer running', async () => {
    vi.useFakeTimers();

    const value = await withDeadline(10_000, async (signal) => (signal.aborted ? 'late' : 'done'));

    expect(value).toBe('done');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborts the work with a TimeoutError once the deadline passes', async () => {
    vi.useFakeTimers();
    const running = withDeadline(
      50,
      (signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        ),
    );
    const failed = expect(running).rejects.toMatchObject({ name: 'TimeoutError' });

    await vi.advanceTimersByTimeAsync(50);

    await failed;
    expect(vi.getTimerCount()).toBe(0);
  });
});
