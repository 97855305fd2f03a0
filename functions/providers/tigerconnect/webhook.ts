import { UnauthorizedError } from '../../core/errors';
import type { Normalized, WebhookAdapter, WebhookRequest } from '../../core/inbound';
import { secureEquals } from '../../core/secure-compare';
import { parseWith } from '../../core/validation';
import type { SecretValues } from '../../core/secrets';
import { normalizeTigerConnectEvent } from './inbound';
import {
  TigerConnectBatchSchema,
  TigerConnectEventRecordSchema,
  type TigerConnectEventRecord,
} from './schema';

/**
 * TigerConnect has no webhooks: the bridge's own scheduled poller reads the event stream. This
 * adapter is for an optional forwarder (something already holding a stream open) that POSTs
 * the stream's records to `/webhooks/tigerconnect?key=<TIGERCONNECT_WEBHOOK_KEY>`.
 */
export function createTigerConnectWebhookAdapter(
  secrets: SecretValues,
): WebhookAdapter<TigerConnectEventRecord[]> {
  const expectedKey = secrets.TIGERCONNECT_WEBHOOK_KEY;
  const botUserId = secrets.TIGERCONNECT_BOT_USER_ID || undefined;
  return {
    provider: 'tigerconnect',
    verify(request: WebhookRequest): void {
      // One message for "not configured" and "wrong key": neither the secret, the given key nor
      // the configuration state is told to an unauthenticated caller.
      if (!secureEquals(request.query.key, expectedKey)) {
        throw new UnauthorizedError('the webhook key is missing or wrong');
      }
    },
    parse(body: unknown): TigerConnectEventRecord[] {
      if (isBatch(body)) {
        return parseWith(TigerConnectBatchSchema, body, 'TigerConnect event batch').events;
      }
      return [parseWith(TigerConnectEventRecordSchema, body, 'TigerConnect event')];
    },
    normalize(records: TigerConnectEventRecord[]): Normalized {
      const receivedAt = new Date();
      const normalized = records.map((record) =>
        normalizeTigerConnectEvent(record, { botUserId, receivedAt }),
      );
      return {
        events: normalized.flatMap((item) => item.events),
        ignored: normalized.flatMap((item) => item.ignored),
      };
    },
  };
}

/** A batch is `{events: [...]}`; a single record always has `event_id`. */
function isBatch(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !('event_id' in body) && 'events' in body;
}
