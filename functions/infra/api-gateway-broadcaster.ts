import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mapWithConcurrency } from '../core/concurrency';
import {
  EVERYONE,
  inAudience,
  type Audience,
  type ConnectionStore,
  type Subscriber,
} from '../core/connections';
import type { Logger } from '../core/log';
import type { BroadcastResult, Broadcaster, ClientFrame } from '../core/relay';
import { postToConnections, type PostResult } from './connection-posts';
import { pagesOf, type PageDispatcher } from './fan-out-pages';
import { withoutSdkLogging } from './sdk-clients';

export interface FanOutOptions {
  /** Posts in flight at once; the socket pool is sized to match. */
  concurrency: number;
  /** Per-post timeout: one stuck connection must not stall the fan-out. */
  timeoutMs: number;
}

export const DEFAULT_FAN_OUT: FanOutOptions = { concurrency: 64, timeoutMs: 3000 };

/** Fan-out past one invocation: audiences above `threshold` go out in pages of `pageSize`. */
export interface PagedFanOut {
  threshold: number;
  pageSize: number;
  dispatcher: PageDispatcher;
}

export const DEFAULT_PAGED_FAN_OUT = { threshold: 2000, pageSize: 1000 } as const;

/** Page invocations in flight at once: enough for 20,000 connections in one wave. */
const PAGES_IN_FLIGHT = 32;

/** A management API client whose keep-alive pool matches the fan-out concurrency. */
export function createManagementClient(endpoint: string, options: FanOutOptions = DEFAULT_FAN_OUT) {
  const agentOptions = { keepAlive: true, maxSockets: options.concurrency };
  const client = new ApiGatewayManagementApiClient({
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
  return withoutSdkLogging(client);
}

/**
 * Pushes frames through API Gateway's `@connections`; a GoneException removes that connection.
 * With `paged`, an audience above its threshold is split into pages posted by FanOut
 * invocations in parallel (each with the same bounded concurrency), behind the same interface.
 */
export class ApiGatewayBroadcaster implements Broadcaster {
  constructor(
    private readonly connections: ConnectionStore,
    private readonly client: ApiGatewayManagementApiClient,
    private readonly log: Logger,
    private readonly options: FanOutOptions = DEFAULT_FAN_OUT,
    private readonly paged?: PagedFanOut,
  ) {}

  async broadcast(
    bridgeId: string,
    frame: ClientFrame,
    audience: Audience = EVERYONE,
  ): Promise<BroadcastResult> {
    return this.deliver(bridgeId, await this.connections.subscriptions(bridgeId), frame, audience);
  }

  /**
   * A broadcaster for one relay invocation: each bridge's subscribers are read once and reused
   * for every frame of the batch (an event and its delivery frames), instead of one Query per
   * frame. A client that subscribes meanwhile catches up by cursor.
   */
  forBatch(): Broadcaster {
    const subscribers = new Map<string, Promise<Subscriber[]>>();
    const subscribersOf = (bridgeId: string) => {
      let list = subscribers.get(bridgeId);
      if (!list) {
        list = this.connections.subscriptions(bridgeId);
        // A read nothing broadcasts after fails quietly; a broadcast awaiting it sees the error.
        list.catch(() => undefined);
        subscribers.set(bridgeId, list);
      }
      return list;
    };
    return {
      broadcast: async (bridgeId, frame, audience = EVERYONE) =>
        this.deliver(bridgeId, await subscribersOf(bridgeId), frame, audience),
      prefetch: (bridgeIds) => bridgeIds.forEach(subscribersOf),
    };
  }

  private async deliver(
    bridgeId: string,
    subscribers: readonly Subscriber[],
    frame: ClientFrame,
    audience: Audience,
  ): Promise<BroadcastResult> {
    const ids = subscribers.filter((s) => inAudience(s, audience)).map((s) => s.connectionId);
    if (!this.paged || ids.length <= this.paged.threshold) return this.sendTo(ids, frame);
    const text = JSON.stringify(frame);
    const pages = pagesOf(bridgeId, ids, text, this.paged.pageSize);
    if (pages.length === 0) return this.sendTo(ids, frame);
    const dispatcher = this.paged.dispatcher;
    const results = await mapWithConcurrency(pages, PAGES_IN_FLIGHT, async (page) => {
      try {
        return await dispatcher.dispatch(page);
      } catch (error) {
        // A page that no invocation could post is posted from here: slower, never lost.
        this.log.warn('fan-out page failed; posting it from the relay', {
          bridgeId,
          connections: page.connectionIds.length,
          error,
        });
        return this.post(page.connectionIds, Buffer.from(text));
      }
    });
    const total: BroadcastResult = { sent: 0, gone: 0, failed: 0, pages: pages.length };
    for (const result of results) {
      total.sent += result.sent;
      total.failed += result.failed.length;
      total.gone += result.gone.length;
      await this.removeGone(result.gone);
    }
    return total;
  }

  /** Post a frame to these connections from this invocation; gone ones are removed. */
  async sendTo(connectionIds: readonly string[], frame: unknown): Promise<BroadcastResult> {
    const result = await this.post(connectionIds, Buffer.from(JSON.stringify(frame)));
    await this.removeGone(result.gone);
    return { sent: result.sent, gone: result.gone.length, failed: result.failed.length };
  }

  private post(connectionIds: readonly string[], data: Uint8Array): Promise<PostResult> {
    return postToConnections(this.client, connectionIds, data, {
      concurrency: this.options.concurrency,
      log: this.log,
    });
  }

  private async removeGone(connectionIds: readonly string[]) {
    await mapWithConcurrency(connectionIds, this.options.concurrency, (id) =>
      this.connections.remove(id),
    );
  }
}
