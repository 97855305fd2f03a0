import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { CommonEvent } from './core/event';
import { relayBatch, type BatchRecord } from './core/relay-batch';
import { encodeCursor } from './infra/dynamo-event-store';
import { getRelayRuntime, relayDepsFor } from './runtime/relay-runtime';

/** Leave this much of the Lambda's time for settling records after the last retry wait. */
const DEADLINE_MARGIN_MS = 5000;

type StreamImage = Record<string, AttributeValue>;

function toBatchRecord(record: DynamoDBStreamEvent['Records'][number]): BatchRecord | undefined {
  const image = record.dynamodb?.NewImage as StreamImage | undefined;
  const eventJson = image?.event?.S;
  if (!image || !eventJson) return undefined;
  const seq = image.seq?.S;
  return {
    itemIdentifier: record.dynamodb?.SequenceNumber ?? '',
    partitionKey: image.pk?.S ?? '',
    input: {
      event: JSON.parse(eventJson) as CommonEvent,
      echo: image.echo?.BOOL === true,
      ...(seq && { cursor: encodeCursor(seq) }),
    },
  };
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
    ...(context && {
      deadline: Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
    }),
  });
  const failures = await relayBatch(records, deps);
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = (event: DynamoDBStreamEvent, context: Context) =>
  relayStreamBatch(event, context);
