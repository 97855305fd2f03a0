/**
 * The baseline of the end-to-end fan-out bench: the usual AWS WebSocket sample's "send
 * message" route, which Queries the subscribers and posts straight to each, with no event
 * store and no stream in between. It runs as a Lambda on the same local runtime as the bridge
 * (a route of the same WebSocket API), reads the same connections table and GSI through the
 * bridge's own store, and posts through the same `@connections` endpoint with the management
 * client built exactly as the relay builds it, at the relay's concurrency.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mapWithConcurrency } from '../functions/core/concurrency';
import {
  createManagementClient,
  DEFAULT_FAN_OUT,
  type FanOutOptions,
} from '../functions/infra/api-gateway-broadcaster';
import { DynamoConnectionStore } from '../functions/infra/dynamo-connections';

let warm: { store: DynamoConnectionStore; post: ReturnType<typeof createManagementClient> };
let fanOut: FanOutOptions;

/** Built on first use: the local runtime sets the environment before any invocation. */
function clients() {
  if (!warm) {
    const env = process.env;
    fanOut = {
      concurrency: Number(env.FANOUT_CONCURRENCY) || DEFAULT_FAN_OUT.concurrency,
      timeoutMs: Number(env.FANOUT_TIMEOUT_MS) || DEFAULT_FAN_OUT.timeoutMs,
    };
    const dynamo = new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB });
    warm = {
      store: new DynamoConnectionStore(dynamo, env.STATE_TABLE!),
      post: createManagementClient(env.WS_MANAGEMENT_ENDPOINT!, fanOut),
    };
  }
  return warm;
}

export async function handler(event: { body?: string }): Promise<{ statusCode: number }> {
  const { bridge, text } = JSON.parse(event.body ?? '{}') as { bridge: string; text: string };
  const { store, post } = clients();
  const ids = await store.subscribers(bridge);
  const data = Buffer.from(
    JSON.stringify({
      type: 'event',
      event: { id: `direct-${text}`, type: 'chat.message.created', message: { text } },
      cursor: '',
    }),
  );
  await mapWithConcurrency(ids, fanOut.concurrency, (id) =>
    post.send(new PostToConnectionCommand({ ConnectionId: id, Data: data })).catch(() => undefined),
  );
  return { statusCode: 200 };
}
