import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time string equality. Both sides are hashed first so that neither the length nor
 * the position of the first difference leaks through timing.
 */
export function secureEquals(given: string | undefined, expected: string | undefined): boolean {
  if (given === undefined || expected === undefined || expected.length === 0) return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
