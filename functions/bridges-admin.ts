import middy from '@middy/core';
import { BridgeAdmin } from './core/bridge-admin';
import { ForbiddenError, NotConfiguredError } from './core/errors';
import { OPERATOR_ROLE, hasRole } from './core/identity';
import { appAuth, requireIdentity, type AuthenticatedEvent } from './http/auth';
import {
  bodyText,
  jsonBody,
  lowerCaseHeaders,
  problemErrors,
  type HttpResult,
} from './http/middleware';
import { jsonResponse } from './http/problem';
import { channelReachOf } from './definitions/ivs-rooms';
import { appJwtVerifierFor } from './infra/app-jwt';
import { getRuntime, type Runtime } from './runtime/runtime';

const admins = new WeakMap<Runtime, BridgeAdmin>();

function adminFor(runtime: Runtime): BridgeAdmin {
  let admin = admins.get(runtime);
  if (admin === undefined) {
    if (!runtime.bridgeStore) throw new NotConfiguredError('this runtime has no bridges table');
    admin = new BridgeAdmin({
      store: runtime.bridgeStore,
      source: runtime.bridgeSource,
      formats: runtime.providers.channelIdFormats(),
      creation: runtime.providers.channelCreation(),
      // What the stack granted (IVS_REACHABLE_ROOMS) is plain configuration, never a secret.
      reach: channelReachOf(runtime.env),
      log: runtime.log,
    });
    admins.set(runtime, admin);
  }
  return admin;
}

/** The version as an entity tag: what `If-Match` sends back. */
const etag = (version: number) => ({ etag: `"${version}"`, 'cache-control': 'no-store' });

/** `GET /bridges`, `GET|PUT|DELETE /bridges/{bridgeId}`: operators manage bridges at run time. */
export async function manageBridges(event: AuthenticatedEvent): Promise<HttpResult> {
  const identity = requireIdentity(event);
  if (!hasRole(identity, OPERATOR_ROLE)) {
    throw new ForbiddenError(`managing bridges needs the "${OPERATOR_ROLE}" role`);
  }
  const admin = adminFor(getRuntime());
  const id = event.pathParameters?.bridgeId;
  const ifMatch = lowerCaseHeaders(event.headers)['if-match'];
  const method = event.requestContext.http.method;
  if (id === undefined) return jsonResponse(200, { bridges: await admin.list() });
  switch (method) {
    case 'PUT': {
      const { view, created } = await admin.put(id, event.jsonBody, ifMatch);
      return jsonResponse(created ? 201 : 200, view, etag(view.version));
    }
    case 'DELETE':
      await admin.delete(id, ifMatch);
      return { statusCode: 204 };
    default: {
      const view = await admin.get(id);
      return jsonResponse(200, view, etag(view.version));
    }
  }
}

export const handler = middy<AuthenticatedEvent, HttpResult>()
  .use(problemErrors(() => getRuntime().log))
  .use(bodyText())
  .use(appAuth(async () => appJwtVerifierFor(await getRuntime().secrets.load())))
  .use(jsonBody({ optional: true }))
  .handler(manageBridges);
