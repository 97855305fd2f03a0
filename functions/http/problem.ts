import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { publicView } from '../core/errors';
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
 * The one place an error becomes an HTTP answer: RFC 9457 problem+json, formatting what
 * `publicView` lets the caller see. Anything not exposable is a generic 500, logged.
 */
export function toProblem(error: unknown, log?: Logger): Problem {
  const view = publicView(error, 'The bridge could not handle this request; it has been logged.');
  if (!view.exposed) log?.error('unhandled error', { error });
  return {
    type: `${PROBLEM_BASE}${view.code}`,
    title: view.title,
    status: view.status,
    detail: view.message,
    ...(view.field !== undefined && { field: view.field }),
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
