import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import {
  handleClientAction,
  parseClientFrame,
  toErrorFrame,
  type ServerFrame,
} from './core/client-actions';
import { getRelayRuntime } from './runtime/relay-runtime';
import { withBridges } from './runtime/runtime';

/**
 * Every client frame (`subscribe`, `unsubscribe`, `send`, `ping`, and `$default` for anything
 * else). Answers go back through `@connections`, so a subscribe can be followed by its
 * catch-up events in order; a bad frame gets an error frame and the connection stays up.
 */
export async function receiveClientFrame(
  event: APIGatewayProxyWebsocketEventV2,
): Promise<APIGatewayProxyResultV2> {
  const runtime = getRelayRuntime();
  const { connectionId } = event.requestContext;
  const reply = async (frame: ServerFrame) => {
    await runtime.broadcaster.sendTo([connectionId], frame);
  };
  let action: string | undefined;
  try {
    const connection = await runtime.connections.get(connectionId);
    if (!connection) {
      await reply({
        type: 'error',
        code: 'unknown-connection',
        message: 'reconnect: this connection is not registered',
      });
      return { statusCode: 200 };
    }
    const request = parseClientFrame(
      event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body,
    );
    action = request.action;
    await handleClientAction(connection, request, {
      ...(await withBridges(runtime.base, 'bridge' in request ? [request.bridge] : [])),
      connections: runtime.connections,
      reply,
    });
  } catch (error) {
    const frame = toErrorFrame(error, action);
    if (frame.type === 'error' && frame.code === 'internal')
      runtime.base.log.error('client frame failed', { connectionId, error });
    await reply(frame);
  }
  return { statusCode: 200 };
}

export const handler = receiveClientFrame;
