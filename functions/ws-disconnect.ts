import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { getConnectionRuntime } from './runtime/connection-runtime';

/** `$disconnect`: forget the connection and its subscriptions (TTL catches any that is missed). */
export async function disconnectClient(
  event: APIGatewayProxyWebsocketEventV2,
): Promise<APIGatewayProxyResultV2> {
  const runtime = getConnectionRuntime();
  await runtime.connections.remove(event.requestContext.connectionId);
  runtime.base.log.info('websocket disconnected', {
    connectionId: event.requestContext.connectionId,
  });
  return { statusCode: 200 };
}

export const handler = disconnectClient;
