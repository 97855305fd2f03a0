/**
 * What an operator needs to tell a refused connection from a timeout or a DNS failure: the
 * name, code and HTTP status of each error along the `cause` chain below `error` — never a
 * message, URL, header or body, which may carry credentials.
 */
export function causeSummary(error: unknown): string | undefined {
  const parts: string[] = [];
  let current = error instanceof Error ? error.cause : undefined;
  while (current instanceof Error && parts.length < 4) {
    const { code, status, $metadata } = current as {
      code?: unknown;
      status?: unknown;
      $metadata?: { httpStatusCode?: unknown };
    };
    const httpStatus = typeof status === 'number' ? status : $metadata?.httpStatusCode;
    parts.push(
      [
        current.name,
        typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
        typeof httpStatus === 'number' ? `HTTP ${httpStatus}` : undefined,
      ]
        .filter(Boolean)
        .join(' '),
    );
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(' <- ') : undefined;
}
