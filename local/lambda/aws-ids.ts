import { randomBytes, randomUUID } from 'node:crypto';

/** The account id AWS emulators use (dynalite's ARNs carry the same). */
export const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * API Gateway ids (`connectionId`, HTTP API `requestId`) are 16 characters of base64 over 11
 * random bytes, e.g. `L0SM9cOFvHcCIhw=`. The URL-safe alphabet keeps them usable as a path
 * segment of `@connections/{id}` without escaping.
 */
export function apiGatewayId(): string {
  return randomBytes(11).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Lambda request ids are UUIDs. */
export function lambdaRequestId(): string {
  return randomUUID();
}

/** `Root=1-<8 hex seconds>-<24 hex>`, the X-Ray trace header API Gateway adds. */
export function traceId(nowMs = Date.now()): string {
  return `Root=1-${Math.floor(nowMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` / `requestTime`: `02/May/2024:10:00:05 +0000`. */
export function apiGatewayTime(nowMs = Date.now()): string {
  const d = new Date(nowMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}
