/** Fill the bridge's sender template, e.g. "[{provider}] {sender}: {text}". */
export function formatRelayText(
  template: string,
  values: { provider: string; sender: string; text: string; channel?: string },
): string {
  return template.replace(/\{(provider|sender|text|channel)\}/g, (_, key: keyof typeof values) =>
    String(values[key] ?? ''),
  );
}

export const TRUNCATION_SUFFIX = '… [truncated]';

/**
 * Fit text to a provider limit counted in code points (IVS counts code points, not bytes or
 * UTF-16 units). Over the limit it is cut visibly, never rejected silently or cut mid-pair.
 */
export function fitText(text: string, maxCodePoints: number): { text: string; truncated: boolean } {
  const codePoints = Array.from(text);
  if (codePoints.length <= maxCodePoints) return { text, truncated: false };
  const suffix = Array.from(TRUNCATION_SUFFIX);
  if (maxCodePoints <= suffix.length) {
    return { text: codePoints.slice(0, maxCodePoints).join(''), truncated: true };
  }
  return {
    text: codePoints.slice(0, maxCodePoints - suffix.length).join('') + TRUNCATION_SUFFIX,
    truncated: true,
  };
}
