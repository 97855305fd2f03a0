/**
 * The HTTP API's CORS rules, shared by the stack (API Gateway's `corsPreflight`) and the local
 * gateway, so a browser sees the same answers in both places.
 */
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type'] as const;
export const CORS_ALLOWED_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'] as const;
/** How long a browser may cache a preflight answer. */
export const CORS_MAX_AGE_SECONDS = 600;
/** Locally, when CORS_ALLOWED_ORIGINS is unset: any port of the two loopback names. */
export const LOCAL_DEFAULT_CORS_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'] as const;

/** `CORS_ALLOWED_ORIGINS` as a list: comma-separated, blanks and trailing slashes dropped. */
export function parseCorsOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

/**
 * Whether a browser's `Origin` is allowed by a list in API Gateway's syntax: an exact origin,
 * `*` for any, or `*` inside an entry standing for one host label run or a port.
 */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    if (entry === '*') return true;
    if (!entry.includes('*')) return entry.toLowerCase() === origin.toLowerCase();
    const pattern = entry
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[A-Za-z0-9.-]+');
    return new RegExp(`^${pattern}$`, 'i').test(origin);
  });
}
