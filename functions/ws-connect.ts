import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { publicView } from './core/errors';
import { problemResponse, toProblem } from './http/problem';
import { appJwtVerifierFor } from './infra/app-jwt';
import { getConnectionRuntime } from './runtime/connection-runtime';

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  queryStringParameters?: Record<string, string | undefined>;
};

/**
 * `$connect`: the app JWT arrives as `?token=` (browsers cannot set headers on a WebSocket).
 * Anything but 200 makes API Gateway refuse the upgrade, with this answer's problem+json body.
 */
export async function connectClient(event: ConnectEvent): Promise<APIGatewayProxyResultV2> {
  const runtime = getConnectionRuntime();
  const { log } = runtime.base;
  try {
    const verifier = appJwtVerifierFor(await runtime.base.secrets.load());
    const identity = await verifier.verify(event.queryStringParameters?.token);
    await runtime.connections.connect({
      connectionId: event.requestContext.connectionId,
      sub: identity.sub,
      ...(identity.name !== undefined && { name: identity.name }),
      ...(identity.bridges !== undefined && { bridges: identity.bridges }),
      connectedAt: new Date(event.requestContext.requestTimeEpoch).toISOString(),
    });
    log.info('websocket connected', {
      connectionId: event.requestContext.connectionId,
      sub: identity.sub,
    });
    return { statusCode: 200 };
  } catch (error) {
    const view = publicView(error);
    if (view.exposed && view.status === 401) {
      log.info('websocket refused', { reason: view.message });
      return problemResponse(toProblem(error));
    }
    log.error('websocket connect failed', { error });
    // A refused upgrade is still an HTTP answer: the generic problem, details only in the log.
    return problemResponse(toProblem(error));
  }
}

export const handler = connectClient;
