import middy from '@middy/core';
import { problemErrors, type HttpEvent, type HttpResult } from './http/middleware';
import { jsonResponse } from './http/problem';
import { getRuntime } from './runtime/runtime';
import { providerStatus } from './providers/status';

/** `GET /health`: liveness plus which providers have credentials, never the credentials. */
export async function health(): Promise<HttpResult> {
  const secrets = await getRuntime().secrets.load();
  return jsonResponse(200, { status: 'ok', providers: providerStatus(secrets) });
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(problemErrors(() => getRuntime().log))
  .handler(health);
