import middy from '@middy/core';
import * as v from 'valibot';
import { ForbiddenError, NotFoundError } from './core/errors';
import { OPERATOR_ROLE, canUseBridge, hasRole } from './core/identity';
import { parseWith } from './core/validation';
import { appAuth, requireIdentity, type AuthenticatedEvent } from './http/auth';
import { problemErrors, type HttpResult } from './http/middleware';
import { jsonResponse } from './http/problem';
import { appJwtVerifierFor } from './infra/app-jwt';
import { getRuntime } from './runtime/runtime';

const MAX_LIMIT = 200;
const LIMIT_MESSAGE = `limit must be a whole number between 1 and ${MAX_LIMIT}`;
const HistoryQuery = v.object({
  after: v.optional(
    v.pipe(v.string(), v.minLength(1, 'after must be a cursor from an earlier page, not empty')),
  ),
  limit: v.optional(
    v.pipe(
      v.string(LIMIT_MESSAGE),
      v.regex(/^\d+$/, LIMIT_MESSAGE),
      v.transform(Number),
      v.minValue(1, LIMIT_MESSAGE),
      v.maxValue(MAX_LIMIT, LIMIT_MESSAGE),
    ),
    '50',
  ),
});

/** `GET /bridges/{bridgeId}/events?after=&limit=`: history and catch-up, oldest first. */
export async function listBridgeEvents(event: AuthenticatedEvent): Promise<HttpResult> {
  const identity = requireIdentity(event);
  const runtime = getRuntime();
  const bridgeId = event.pathParameters?.bridgeId ?? '';
  const bridges = await runtime.bridgeSource.current([bridgeId]);
  // A closed or deleted bridge relays no more, but operators may still read what it carried.
  const readable =
    bridges.get(bridgeId) !== undefined ||
    (runtime.bridgeSource.isRetired(bridgeId) && hasRole(identity, OPERATOR_ROLE));
  if (!readable) throw new NotFoundError(`unknown bridge "${bridgeId}"`);
  if (!canUseBridge(identity, bridgeId))
    throw new ForbiddenError(`not allowed in bridge "${bridgeId}"`);
  const query = parseWith(HistoryQuery, event.queryStringParameters ?? {}, 'query');
  const page = await runtime.store.listEvents(bridgeId, {
    ...(query.after !== undefined && { after: query.after }),
    limit: Number(query.limit),
  });
  return jsonResponse(200, {
    bridge: bridgeId,
    events: page.items.map((item) => ({ cursor: item.cursor, event: item.event })),
    next: page.next ?? null,
  });
}

export const handler = middy<AuthenticatedEvent, HttpResult>()
  .use(problemErrors(() => getRuntime().log))
  .use(appAuth(async () => appJwtVerifierFor(await getRuntime().secrets.load())))
  .handler(listBridgeEvents);
