import type { HttpAnswer } from './http-event';

/** Same base as functions/http/problem.ts, so a client handles one vocabulary of `type`s. */
const PROBLEM_BASE = 'https://chat-bridge.dev/problems/';

export type GatewayProblemCode =
  | 'no-route'
  | 'payload-too-large'
  | 'bad-function-answer'
  | 'function-failed'
  | 'function-timeout'
  | 'internal'
  | 'upgrade-refused';

/**
 * An error the gateway itself answers (no function ran, or the function's answer is unusable)
 * as RFC 9457 problem+json, like every other error of the bridge.
 */
export function problemAnswer(
  status: number,
  code: GatewayProblemCode,
  title: string,
  detail: string,
): HttpAnswer {
  return {
    statusCode: status,
    headers: [['content-type', 'application/problem+json']],
    body: Buffer.from(JSON.stringify({ type: `${PROBLEM_BASE}${code}`, title, status, detail })),
  };
}

/** A 404 that lists what the API does serve, so a typo is found without the docs. */
export function noRouteAnswer(
  method: string,
  path: string,
  routes: readonly { method: string; path: string }[],
): HttpAnswer {
  const served = routes.map((route) => `${route.method} ${route.path}`).join(', ');
  return problemAnswer(
    404,
    'no-route',
    'Not found',
    `No route for ${method} ${path}. The HTTP API serves ${served}.`,
  );
}
