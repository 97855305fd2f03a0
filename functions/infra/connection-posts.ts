import {
  type ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mapWithConcurrency } from '../core/concurrency';
import type { Logger } from '../core/log';

/** What posting one frame to a list of connections came to; `gone` answered 410. */
export interface PostResult {
  sent: number;
  failed: string[];
  gone: string[];
}

/**
 * POST one frame to each connection through `@connections`, at most `concurrency` at once.
 * A 410 Gone is reported, not retried (the caller decides whether it may clean up); any other
 * failure is counted and logged, so one bad connection never stops the rest.
 */
export async function postToConnections(
  client: ApiGatewayManagementApiClient,
  connectionIds: readonly string[],
  data: Uint8Array,
  options: { concurrency: number; log: Logger },
): Promise<PostResult> {
  const result: PostResult = { sent: 0, failed: [], gone: [] };
  await mapWithConcurrency(connectionIds, options.concurrency, async (connectionId) => {
    try {
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
      result.sent += 1;
    } catch (error) {
      if ((error as Error).name === 'GoneException') {
        result.gone.push(connectionId);
        return;
      }
      result.failed.push(connectionId);
      options.log.warn('push to a connection failed', { connectionId, error });
    }
  });
  return result;
}
