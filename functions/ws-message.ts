import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import {
  frameEcho,
  handleClientAction,
  parseClientFrame,
  sendSequence,
  toErrorFrame,
  type ClientRequest,
  type ServerFrame,
} from './core/client-actions';
import { inClientSequence, inSendOrder, registerEarly } from './core/send-order';
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
  // The frame's reads go out together, before a numbered send waits for its turn: each was
  // one more round trip in a row before the event was stored (and the push could start).
  let request: ClientRequest | undefined;
  let invalid: unknown;
  try {
    request = parseClientFrame(body);
  } catch (error) {
    invalid = error;
  }
  const bridgeIds = request && 'bridge' in request ? [request.bridge] : [];
  const reads = Promise.all([
    runtime.connections.get(connectionId),
    withBridges(runtime.base, bridgeIds),
  ]);
  reads.catch(() => undefined); // awaited (and its failure answered) in handle()
  const ticket = { connectionId, receivedAt: requestTimeEpoch, requestId };
  // An unnumbered send registers in its connection's order with the reads, not after them.
  const registered =
    seq === undefined && request?.action === 'send'
      ? registerEarly(ticket, runtime.sendOrder)
      : undefined;
  let gated = false;
  const handle = async () => {
    try {
      const [connection, bridges] = await reads;
      if (!connection) {
        await reply({
          type: 'error',
          code: 'unknown-connection',
          message: 'this connection is not registered: reconnect',
          ...echo,
        });
        return;
      }
      if (!request) throw invalid;
      await handleClientAction(connection, request, {
        ...bridges,
        connections: runtime.connections,
        reply,
        receivedAt: requestTimeEpoch,
        // API Gateway invokes once per frame, concurrently: without the client's own `seq`,
        // the gate restores the gateway's order (with it, the whole frame runs in its turn).
        inSendOrder: (store) => {
          gated = true;
          return seq !== undefined
            ? store()
            : inSendOrder(ticket, runtime.sendOrder, store, {
                log: runtime.base.log,
                grace: runtime.sendGrace,
                ...(registered && { registered }),
              });
        },
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
  // Refused before the gate (not allowed there, unknown connection): no later send waits on it.
  if (registered && !gated) {
    await registered
      .then(() => runtime.sendOrder.release(ticket))
      .catch((error: unknown) =>
        runtime.base.log.warn('send order registration not released', { connectionId, error }),
      );
  }
  return { statusCode: 200 };
}

export const handler = receiveClientFrame;
