import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { UnauthorizedError } from '../core/errors';
import type { AppIdentity } from '../core/identity';
import { lowerCaseHeaders, type HttpEvent, type HttpResult } from './middleware';

export type AuthenticatedEvent = HttpEvent & { identity?: AppIdentity };

export interface AuthorizationVerifier {
  verifyAuthorization(header: string | undefined): Promise<AppIdentity>;
}

/**
 * Verify `Authorization: Bearer <app JWT>` before the handler runs and put the identity on
 * the event. The verifier is looked up per request because its secret may live in Secrets
 * Manager and rotate; the lookup itself is cached by its owner.
 */
export function appAuth(
  getVerifier: () => Promise<AuthorizationVerifier>,
): middy.MiddlewareObj<AuthenticatedEvent, HttpResult, Error, Context> {
  return {
    before: async (request) => {
      const verifier = await getVerifier();
      const { authorization } = lowerCaseHeaders(request.event.headers);
      request.event.identity = await verifier.verifyAuthorization(authorization);
    },
  };
}

/** The identity `appAuth` put on the event; a handler without the middleware fails closed. */
export function requireIdentity(event: AuthenticatedEvent): AppIdentity {
  if (event.identity === undefined) throw new UnauthorizedError('the request is not authenticated');
  return event.identity;
}
