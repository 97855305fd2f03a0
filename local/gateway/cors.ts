import type { IncomingMessage } from 'node:http';
import {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_MAX_AGE_SECONDS,
  LOCAL_DEFAULT_CORS_ORIGINS,
  originAllowed,
  parseCorsOrigins,
} from '../../functions/definitions/cors';
import type { HttpAnswer } from './http-event';

/** The origins the local gateway allows: CORS_ALLOWED_ORIGINS, else any loopback origin. */
export function localCorsOrigins(value: string | undefined): string[] {
  const configured = parseCorsOrigins(value);
  return configured.length > 0 ? configured : [...LOCAL_DEFAULT_CORS_ORIGINS];
}

/** A browser's preflight: OPTIONS with an Origin and the method it wants to send. */
export function isPreflight(request: IncomingMessage): boolean {
  return (
    request.method === 'OPTIONS' &&
    typeof request.headers.origin === 'string' &&
    typeof request.headers['access-control-request-method'] === 'string'
  );
}

/**
 * API Gateway's preflight answer: 204 for any path, with the allow headers only when the
 * origin is listed (a browser then refuses the call itself), and `Vary: Origin` always.
 */
export function preflightAnswer(request: IncomingMessage, allowed: readonly string[]): HttpAnswer {
  const origin = request.headers.origin!;
  const headers: [string, string][] = [['vary', 'Origin']];
  if (originAllowed(origin, allowed)) {
    headers.push(
      ['access-control-allow-origin', origin],
      ['access-control-allow-methods', CORS_ALLOWED_METHODS.join(',')],
      ['access-control-allow-headers', CORS_ALLOWED_HEADERS.join(',')],
      ['access-control-max-age', String(CORS_MAX_AGE_SECONDS)],
    );
  }
  return { statusCode: 204, headers, body: Buffer.alloc(0) };
}

/**
 * Headers every answer gets, as API Gateway adds them over the function's own: the allowed
 * origin echoed (never `*`, so a credentialed call works) and `Vary: Origin` for caches.
 */
export function withCorsHeaders(
  answer: HttpAnswer,
  origin: string | undefined,
  allowed: readonly string[],
): HttpAnswer {
  const headers = answer.headers.filter(([name]) => !name.startsWith('access-control-'));
  if (origin !== undefined) {
    headers.push(['vary', 'Origin']);
    if (originAllowed(origin, allowed)) headers.push(['access-control-allow-origin', origin]);
  }
  return { ...answer, headers };
}
