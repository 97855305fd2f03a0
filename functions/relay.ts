import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { relayBatch, type BatchRecord } from './core/relay';
import { RELAY_STREAM_SETTINGS } from './definitions/relay-settings';
import { decodeStreamImage, type EventItem } from './infra/event-item-codec';
import { getRelayRuntime, relayDepsFor } from './runtime/relay-runtime';

/** Leave this much of the Lambda's time for settling records after the last retry wait. */
const DEADLINE_MARGIN_MS = 5000;

function toBatchRecord(record: DynamoDBStreamEvent['Records'][number]): BatchRecord | undefined {
  // The Lambda event types the stream image loosely; it is the same AttributeValue shape.
  const decoded = decodeStreamImage(record.dynamodb?.NewImage as EventItem | undefined);
  if (!decoded) return undefined;
  const { partitionKey, ...input } = decoded;
  return { itemIdentifier: record.dynamodb?.SequenceNumber ?? '', partitionKey, input };
}

/**
 * Driven by the events table's stream (INSERTs only, by filter). Reports partial batch
 * failures so only unsettled records are retried; delivery records make retries idempotent.
 */
export async function relayStreamBatch(
  event: DynamoDBStreamEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<DynamoDBBatchResponse> {
  const records = event.Records.map(toBatchRecord).filter((r): r is BatchRecord => r !== undefined);
  const deps = await relayDepsFor(getRelayRuntime(), {
    subjects: [...new Set(records.map((record) => record.input.event.subject))],
    // The relay parks what the stream is about to give up on, so all of it can be replayed.
    streamRetryAttempts: RELAY_STREAM_SETTINGS.retryAttempts,
    ...(context && {
      deadline: Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
    }),
  });
  const failures = await relayBatch(records, deps);
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = (event: DynamoDBStreamEvent, context: Context) =>
  relayStreamBatch(event, context);
