import middy from '@middy/core';
import { problemErrors, type HttpEvent, type HttpResult } from './http/middleware';
import { jsonResponse } from './http/problem';
import { getRuntime } from './runtime/runtime';

/** `GET /health`: liveness plus which providers have credentials, never the credentials. */
export async function health(): Promise<HttpResult> {
  const runtime = getRuntime();
  const secrets = await runtime.secrets.load();
  return jsonResponse(200, { status: 'ok', providers: runtime.providers.status(secrets) });
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(problemErrors(() => getRuntime().log))
  .handler(health);
