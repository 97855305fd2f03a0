import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { apiGatewayId } from '../lambda/aws-ids';
import type { Invoker, RequestAuthorizer } from '../lambda/function-host';
import { isPreflight, preflightAnswer, withCorsHeaders } from './cors';
import { noRouteAnswer, problemAnswer } from './gateway-problem';
import { toHttpAnswer, toHttpApiEvent, type HttpAnswer } from './http-event';
import { matchRoute, type RouteSpec } from './http-routes';
import { handleInvoke, INVOKE_PATH } from '../lambda/lambda-invoke';
import type { LocalLog } from '../tooling/log';
import { BodyTooLargeError, readBody } from '../tooling/net';

/** HTTP API's request payload limit. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** HTTP API gives up on an integration after 30 s whatever the function's own timeout. */
const INTEGRATION_TIMEOUT_MS = 30_000;

export interface HttpGatewayOptions {
  routes: readonly RouteSpec[];
  host: Invoker;
  log: LocalLog;
  region: string;
  apiId?: string;
  /** The account of the functions' ARNs the Invoke API names (default LOCAL_ACCOUNT_ID). */
  accountId?: string;
  /** Checks each Invoke API call's IAM permission (the AWS profile; the local runtime checks none). */
  authorize?: RequestAuthorizer;
  integrationTimeoutMs?: number;
  /** Browser origins allowed to call the API, in API Gateway's syntax (see local/gateway/cors). */
  corsAllowedOrigins: readonly string[];
}

/**
 * API Gateway HTTP API in front of the same handlers: each request becomes a payload format
 * 2.0 event for the route's function and its answer is mapped back as API Gateway would. The
 * Lambda Invoke API shares the port.
 */
export function createHttpGateway(options: HttpGatewayOptions): Server {
  const server = createServer((request, response) => {
    handle(request, response, options).catch((error: unknown) => {
      options.log.error('http', 'request failed inside the local gateway', { error });
      if (!response.headersSent) {
        const answer = problemAnswer(
          500,
          'internal',
          'Internal error',
          'The local gateway failed on this request; the runtime log says why.',
        );
        send(response, withCorsHeaders(answer, request.headers.origin, options.corsAllowedOrigins));
      } else response.destroy();
    });
  });
  // Keep-alive clients (the AWS SDK) must not hold close() open for their idle sockets.
  server.keepAliveTimeout = 5_000;
  return server;
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: HttpGatewayOptions,
): Promise<void> {
  const started = performance.now();
  const requestId = apiGatewayId();
  const method = request.method ?? 'GET';
  const path = (request.url ?? '/').split('?')[0]!;
  const line = (status: number, extra: Record<string, unknown> = {}) => {
    const ms = Math.round(performance.now() - started);
    const level = status >= 500 ? 'warn' : 'info';
    options.log[level]('http', `${method} ${path} ${status} ${ms}ms`, { requestId, ...extra });
  };

  const reply = (answer: HttpAnswer) =>
    send(
      response,
      withCorsHeaders(answer, request.headers.origin, options.corsAllowedOrigins),
      requestId,
    );

  let body: Buffer;
  try {
    body = await readBody(request, MAX_REQUEST_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    reply(
      problemAnswer(
        413,
        'payload-too-large',
        'Payload too large',
        `The HTTP API accepts request bodies up to ${MAX_REQUEST_BYTES / 1024 / 1024} MiB.`,
      ),
    );
    line(413);
    return;
  }
  if (isPreflight(request)) {
    send(response, preflightAnswer(request, options.corsAllowedOrigins), requestId);
    line(204, { preflight: request.headers.origin });
    return;
  }

  if (INVOKE_PATH.test(path)) {
    const result = await handleInvoke({ ...options, request, response, body });
    line(result.status, { function: result.functionName, lambdaRequestId: result.requestId });
    return;
  }

  const match = matchRoute(options.routes, method, path);
  if (!match) {
    reply(noRouteAnswer(method, path, options.routes));
    line(404);
    return;
  }
  const functionName = match.route.function;
  const event = toHttpApiEvent({
    request,
    body,
    routeKey: match.routeKey,
    pathParameters: match.pathParameters,
    requestId,
    apiId: options.apiId ?? 'local',
  });
  const outcome = await withIntegrationTimeout(
    options.host.invoke(functionName, event),
    options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS,
  );
  let answer: HttpAnswer;
  if (outcome === 'timeout' || (!outcome.ok && outcome.timedOut)) {
    answer = problemAnswer(
      503,
      'function-timeout',
      'Service unavailable',
      `${functionName} did not answer in time; the runtime log has its last lines.`,
    );
  } else if (!outcome.ok) {
    answer = problemAnswer(
      500,
      'function-failed',
      'Internal error',
      `${functionName} failed; the runtime log has its error.`,
    );
  } else {
    answer = toHttpAnswer(outcome.result);
    if (answer.problem) {
      options.log[answer.problem.refused ? 'error' : 'warn'](
        'http',
        `${functionName}: ${answer.problem.message}`,
        { requestId },
      );
    }
  }
  reply(answer);
  line(answer.statusCode, {
    function: functionName,
    ...(outcome !== 'timeout' && { lambdaRequestId: outcome.requestId }),
  });
}

async function withIntegrationTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function send(response: ServerResponse, answer: HttpAnswer, requestId?: string): void {
  const headers: [string, string][] = [...answer.headers];
  if (requestId) headers.push(['apigw-requestid', requestId]);
  response.statusCode = answer.statusCode;
  const grouped = new Map<string, string[]>();
  for (const [name, value] of headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  for (const [name, values] of grouped) {
    response.setHeader(name, values.length === 1 ? values[0]! : values);
  }
  response.end(answer.body);
}
