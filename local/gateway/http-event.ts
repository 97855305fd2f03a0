import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID, apiGatewayTime, traceId } from '../lambda/aws-ids';
import { sourceIp } from '../tooling/net';
import { problemAnswer } from './gateway-problem';

/**
 * Content types whose bodies reach the function as text. Everything else — binary, and also
 * `application/x-www-form-urlencoded` and `multipart/*`, as HTTP APIs do — arrives base64
 * with `isBase64Encoded: true`.
 */
export function isTextContentType(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript' ||
    type === 'application/graphql'
  );
}

/** An API Gateway HTTP API payload format 2.0 event for one request. */
export function toHttpApiEvent(options: {
  request: IncomingMessage;
  body: Buffer;
  routeKey: string;
  pathParameters: Record<string, string>;
  requestId: string;
  apiId: string;
  now?: number;
}): APIGatewayProxyEventV2 {
  const { request, body } = options;
  const now = options.now ?? Date.now();
  const url = new URL(request.url ?? '/', 'http://localhost');
  const rawQueryString = (request.url ?? '').includes('?')
    ? (request.url ?? '').slice((request.url ?? '').indexOf('?') + 1)
    : '';
  const headers = joinedHeaders(request.rawHeaders);
  const cookies = (headers.cookie ?? '')
    .split(';')
    .map((cookie) => cookie.trim())
    .filter((cookie) => cookie !== '');
  delete headers.cookie;
  const ip = sourceIp(request);
  const port = String(request.socket.localPort ?? '');
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']},${ip}`
    : ip;
  headers['x-forwarded-port'] = port;
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= traceId(now);

  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    query[key] = key in query ? `${query[key]},${value}` : value;
  }
  const domainName = (headers.host ?? 'localhost').replace(/:\d+$/, '');
  // Without a content type, text is what decodes as UTF-8 without loss.
  const text = headers['content-type']
    ? isTextContentType(headers['content-type'])
    : Buffer.from(body.toString('utf8'), 'utf8').equals(body);
  return {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath: rawPathOf(request.url),
    rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: options.apiId,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: ip,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: options.requestId,
      routeKey: options.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now,
    },
    ...(Object.keys(options.pathParameters).length > 0 && {
      pathParameters: options.pathParameters,
    }),
    ...(body.length > 0 && { body: text ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: body.length > 0 && !text,
  };
}

function rawPathOf(url: string | undefined): string {
  return (url ?? '/').split('?')[0] || '/';
}

/** Header names lower-cased, repeated headers joined with a comma, as format 2.0 does. */
function joinedHeaders(rawHeaders: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}

export interface HttpAnswer {
  statusCode: number;
  headers: [string, string][];
  body: Buffer;
  /** Why API Gateway refused the function's answer (a 500), or what of it it ignored. */
  problem?: { refused: boolean; message: string };
}

/** API Gateway answers 500 for a function answer it cannot use; the log line says why. */
const API_GATEWAY_500: HttpAnswer = problemAnswer(
  500,
  'bad-function-answer',
  'Internal error',
  'The function answered in a shape API Gateway cannot send; the runtime log says why.',
);

export function jsonAnswer(statusCode: number, body: unknown): HttpAnswer {
  return {
    statusCode,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify(body)),
  };
}

/**
 * What API Gateway makes of a function's result under payload format 2.0: an object with a
 * `statusCode` is a structured answer; anything else (a string, an object without
 * `statusCode`) is sent as the body of a 200 `application/json` answer.
 */
export function toHttpAnswer(result: unknown): HttpAnswer {
  if (typeof result === 'string') {
    return {
      statusCode: 200,
      headers: [['content-type', 'application/json']],
      body: Buffer.from(result),
    };
  }
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    return {
      statusCode: 200,
      headers: [['content-type', 'application/json']],
      body: Buffer.from(JSON.stringify(result ?? null)),
    };
  }
  const structured = result as {
    statusCode: unknown;
    headers?: unknown;
    multiValueHeaders?: unknown;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  const refuse = (message: string): HttpAnswer => ({
    ...API_GATEWAY_500,
    problem: { refused: true, message },
  });
  if (
    typeof structured.statusCode !== 'number' ||
    !Number.isInteger(structured.statusCode) ||
    structured.statusCode < 100 ||
    structured.statusCode > 599
  ) {
    return refuse(
      `statusCode must be an integer HTTP status, got ${JSON.stringify(structured.statusCode)}`,
    );
  }
  if (
    structured.body !== undefined &&
    structured.body !== null &&
    typeof structured.body !== 'string'
  ) {
    return refuse('body must be a string (JSON.stringify objects before returning them)');
  }
  const headers: [string, string][] = [];
  if (structured.headers !== undefined && structured.headers !== null) {
    if (typeof structured.headers !== 'object') return refuse('headers must be an object');
    for (const [name, value] of Object.entries(structured.headers)) {
      if (value === undefined || value === null) continue;
      headers.push([name.toLowerCase(), String(value)]);
    }
  }
  if (Array.isArray(structured.cookies)) {
    for (const cookie of structured.cookies) headers.push(['set-cookie', String(cookie)]);
  }
  const text = (structured.body as string | undefined | null) ?? '';
  const answer: HttpAnswer = {
    statusCode: structured.statusCode,
    headers,
    body: structured.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text),
  };
  if (structured.multiValueHeaders !== undefined) {
    answer.problem = {
      refused: false,
      message: 'multiValueHeaders is ignored by payload format 2.0: use headers or cookies',
    };
  }
  return answer;
}
