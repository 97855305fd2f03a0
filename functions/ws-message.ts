import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import {
  frameEcho,
  handleClientAction,
  parseClientFrame,
  sendSequence,
  toErrorFrame,
  type ServerFrame,
} from './core/client-actions';
import { inClientSequence, inSendOrder } from './core/send-order';
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
  const body = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : event.body;
  const echo = frameEcho(body);
  const seq = sendSequence(body);
  const { requestTimeEpoch, requestId } = event.requestContext;
  const handle = async () => {
    try {
      const connection = await runtime.connections.get(connectionId);
      if (!connection) {
        await reply({
          type: 'error',
          code: 'unknown-connection',
          message: 'this connection is not registered: reconnect',
          ...echo,
        });
        return;
      }
      const request = parseClientFrame(body);
      await handleClientAction(connection, request, {
        ...(await withBridges(runtime.base, 'bridge' in request ? [request.bridge] : [])),
        connections: runtime.connections,
        reply,
        receivedAt: requestTimeEpoch,
        // API Gateway invokes once per frame, concurrently: without the client's own `seq`,
        // the gate restores the gateway's order (with it, the whole frame runs in its turn).
        inSendOrder: (store) =>
          seq !== undefined
            ? store()
            : inSendOrder(
                { connectionId, receivedAt: requestTimeEpoch, requestId },
                runtime.sendOrder,
                store,
                { log: runtime.base.log, grace: runtime.sendGrace },
              ),
      });
    } catch (error) {
      const frame = toErrorFrame(error, echo);
      if (frame.type === 'error' && frame.code === 'internal')
        runtime.base.log.error('client frame failed', { connectionId, error });
      await reply(frame);
    }
  };
  await (seq === undefined
    ? handle()
    : inClientSequence(connectionId, seq, runtime.sendOrder, handle, { log: runtime.base.log }));
  return { statusCode: 200 };
}

export const handler = receiveClientFrame;
