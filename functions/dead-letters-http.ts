import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ForbiddenError, NotFoundError } from './core/errors';
import { hasRole } from './core/identity';
import { operateDeadLetters } from './dlq';
import { appAuth, requireIdentity, type AuthenticatedEvent } from './http/auth';
import { problemErrors, type HttpResult } from './http/middleware';
import { jsonResponse } from './http/problem';
import { appJwtVerifierFor } from './infra/app-jwt';
import { getRuntime } from './runtime/runtime';

export const OPERATOR_ROLE = 'operator';

/**
 * `GET /dead-letters` lists parked deliveries; `POST /dead-letters/{messageId}/replay`
 * re-delivers one through the relay's own path. The same operation as `npm run dlq`, for
 * callers whose app JWT carries the `operator` role.
 */
export async function deadLettersOverHttp(
  event: AuthenticatedEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<HttpResult> {
  const identity = requireIdentity(event);
  if (!hasRole(identity, OPERATOR_ROLE)) {
    throw new ForbiddenError(`dead letters are for operators: the app JWT needs role "operator"`);
  }
  const messageId = event.pathParameters?.messageId;
  if (messageId === undefined) {
    return jsonResponse(200, await operateDeadLetters({ action: 'list' }, context));
  }
  const result = await operateDeadLetters({ action: 'replay', messageId }, context);
  if (!('stoppedEarly' in result) && result.replayed?.length === 0) {
    throw new NotFoundError(`no dead letter "${messageId}" (already replayed, or never parked)`);
  }
  return jsonResponse(200, result);
}

export const handler = middy<AuthenticatedEvent, HttpResult>()
  .use(problemErrors(() => getRuntime().log))
  .use(appAuth(async () => appJwtVerifierFor(await getRuntime().secrets.load())))
  .handler((event, context) => deadLettersOverHttp(event, context));
