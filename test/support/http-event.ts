import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** An API Gateway HTTP API (payload 2.0) event as AWS delivers it to the Lambda. */
export function httpEvent(options: {
  method?: string;
  path: string;
  routeKey?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  base64?: boolean;
}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const rawQueryString = new URLSearchParams(options.query ?? {}).toString();
  const body =
    options.body === undefined
      ? undefined
      : options.base64 || Buffer.isBuffer(options.body)
        ? Buffer.from(options.body).toString('base64')
        : options.body;
  return {
    version: '2.0',
    routeKey: options.routeKey ?? `${method} ${options.path}`,
    rawPath: options.path,
    rawQueryString,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.query && { queryStringParameters: options.query }),
    ...(options.pathParameters && { pathParameters: options.pathParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.9',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: options.routeKey ?? `${method} ${options.path}`,
      stage: '$default',
      time: '02/May/2024:10:00:05 +0000',
      timeEpoch: 1714644005000,
    },
    ...(body !== undefined && { body }),
    isBase64Encoded: Boolean(options.base64 || Buffer.isBuffer(options.body)),
  };
}

export const lambdaContext = {
  functionName: 'test',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;
