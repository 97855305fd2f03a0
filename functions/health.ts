import middy from '@middy/core';
import { NotFoundError } from './core/errors';
import { HTTP_ROUTES } from './definitions/functions';
import { problemErrors, type HttpEvent, type HttpResult } from './http/middleware';
import { jsonResponse } from './http/problem';
import { getRuntime } from './runtime/runtime';

/**
 * `GET /health`: liveness plus which providers have credentials, never the credentials. Also
 * the HTTP API's `$default` route (HTTP_FALLBACK_FUNCTION): an unrouted request is a 404
 * problem listing what the API serves.
 */
export async function health(event?: HttpEvent): Promise<HttpResult> {
  if (event?.routeKey === '$default') {
    const { method, path } = event.requestContext.http;
    const served = HTTP_ROUTES.map((route) => `${route.method} ${route.path}`).join(', ');
    throw new NotFoundError(`No route for ${method} ${path}. The HTTP API serves ${served}.`);
  }
  const runtime = getRuntime();
  const secrets = await runtime.secrets.load();
  return jsonResponse(200, { status: 'ok', providers: runtime.providers.status(secrets) });
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(problemErrors(() => getRuntime().log))
  .handler(health);
