import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isBridgeError } from '../core/errors';
import type { Logger } from '../core/log';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://chat-bridge.dev/problems/';

/**
 * The one place an error becomes an HTTP answer: RFC 9457 problem+json. Only errors that
 * say they may be exposed show their message; anything else is a generic 500, logged.
 */
export function toProblem(error: unknown, log?: Logger): Problem {
  if (isBridgeError(error) && error.expose) {
    const field = (error as { field?: unknown }).field;
    return {
      type: `${PROBLEM_BASE}${error.code}`,
      title: error.title,
      status: error.status,
      detail: error.message,
      ...(typeof field === 'string' && { field }),
    };
  }
  log?.error('unhandled error', { error });
  return {
    type: `${PROBLEM_BASE}internal`,
    title: 'Internal error',
    status: 500,
    detail: 'The bridge could not handle this request; it has been logged.',
  };
}

export function problemResponse(problem: Problem): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify(problem),
  };
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
