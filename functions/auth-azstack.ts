import middy from '@middy/core';
import {
  bodyText,
  lowerCaseHeaders,
  problemErrors,
  type HttpEvent,
  type HttpResult,
} from './http/middleware';
import { jsonResponse } from './http/problem';
import { appJwtVerifierFor } from './infra/app-jwt';
import { getRuntime } from './runtime/runtime';
import { answerAzStackCallback } from './providers/azstack/auth-callback';

/**
 * `POST /auth/azstack`: AZStack's Authentication URL. Always 200 with `{"result":0|1}`, the
 * only answers AZStack understands; why a sign-in was refused goes to the log, not the caller.
 */
export async function authenticateAzStack(event: HttpEvent): Promise<HttpResult> {
  const runtime = getRuntime();
  const secrets = await runtime.secrets.load();
  const outcome = await answerAzStackCallback(
    { contentType: lowerCaseHeaders(event.headers)['content-type'], body: event.rawBodyText ?? '' },
    {
      secrets,
      configured: runtime.providers.isConfigured('azstack', secrets),
      appTokens: () => appJwtVerifierFor(secrets),
    },
  );
  runtime.metrics.count('AzStackAuth', { result: String(outcome.answer.result) });
  if (outcome.answer.result === 0) runtime.log.info('azstack sign-in accepted');
  else runtime.log.warn('azstack sign-in refused', { reason: outcome.reason });
  return jsonResponse(200, outcome.answer, { 'cache-control': 'no-store' });
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(problemErrors(() => getRuntime().log))
  .use(bodyText())
  .handler(authenticateAzStack);
