import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mapWithConcurrency } from '../core/concurrency';
import type { ConnectionStore } from '../core/connections';
import type { Logger } from '../core/log';
import type { BroadcastResult, Broadcaster, ClientFrame } from '../core/relay';

export interface FanOutOptions {
  /** Posts in flight at once; the socket pool is sized to match. */
  concurrency: number;
  /** Per-post timeout: one stuck connection must not stall the fan-out. */
  timeoutMs: number;
}

export const DEFAULT_FAN_OUT: FanOutOptions = { concurrency: 64, timeoutMs: 3000 };

/** A management API client whose keep-alive pool matches the fan-out concurrency. */
export function createManagementClient(endpoint: string, options: FanOutOptions = DEFAULT_FAN_OUT) {
  const agentOptions = { keepAlive: true, maxSockets: options.concurrency };
  return new ApiGatewayManagementApiClient({
    endpoint,
    maxAttempts: 1, // a dead connection answers 410 at once; retrying a timeout only delays the rest
    // Resolve the middleware stack once per command type instead of once per post: the SDK's
    // own per-call cost dominated a fan-out (bench/fanout.ts). It applies only to sends without
    // per-call options, so the per-post timeout is the handler's requestTimeout, not a signal.
    cacheMiddleware: true,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      requestTimeout: options.timeoutMs,
      // Without it this handler version only logs a warning when the timeout passes.
      throwOnRequestTimeout: true,
      connectionTimeout: options.timeoutMs,
    }),
  });
}

/** Pushes frames through API Gateway's `@connections`; a GoneException removes that connection. */
export class ApiGatewayBroadcaster implements Broadcaster {
  constructor(
    private readonly connections: ConnectionStore,
    private readonly client: ApiGatewayManagementApiClient,
    private readonly log: Logger,
    private readonly options: FanOutOptions = DEFAULT_FAN_OUT,
  ) {}

  async broadcast(bridgeId: string, frame: ClientFrame): Promise<BroadcastResult> {
    const ids = await this.connections.subscribers(bridgeId);
    return this.sendTo(ids, frame);
  }

  /**
   * A broadcaster for one relay invocation: each bridge's subscribers are read once and reused
   * for every frame of the batch (an event and its delivery frames), instead of one Query per
   * frame. A client that subscribes meanwhile catches up by cursor.
   */
  forBatch(): Broadcaster {
    const subscribers = new Map<string, Promise<string[]>>();
    return {
      broadcast: async (bridgeId, frame) => {
        let ids = subscribers.get(bridgeId);
        if (!ids) {
          ids = this.connections.subscribers(bridgeId);
          subscribers.set(bridgeId, ids);
        }
        return this.sendTo(await ids, frame);
      },
    };
  }

  async sendTo(connectionIds: readonly string[], frame: unknown): Promise<BroadcastResult> {
    const data = Buffer.from(JSON.stringify(frame));
    const result: BroadcastResult = { sent: 0, gone: 0, failed: 0 };
    await mapWithConcurrency(connectionIds, this.options.concurrency, async (connectionId) => {
      try {
        await this.client.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }),
        );
        result.sent += 1;
      } catch (error) {
        if ((error as Error).name === 'GoneException') {
          result.gone += 1;
          await this.connections.remove(connectionId);
          return;
        }
        result.failed += 1;
        this.log.warn('push to a connection failed', { connectionId, error });
      }
    });
    return result;
  }
}
