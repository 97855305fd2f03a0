import type { DynamoDBRecord } from 'aws-lambda';
import type { LambdaErrorPayload } from '../lambda/function-host';
import { LOCAL_ACCOUNT_ID } from '../lambda/aws-ids';

/**
 * What the on-failure destination receives: AWS's invocation record for a stream batch whose
 * retries ran out, plus (locally) the records themselves so they can be inspected or replayed.
 */
export interface FailedStreamBatch {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: '$LATEST'; functionError?: string };
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
  functionName: string;
  error: LambdaErrorPayload | { errorType: string; errorMessage: string };
  records: DynamoDBRecord[];
}

/** The on-failure record of `records` (oldest first) whose retries ran out. */
export function failedBatch(options: {
  functionName: string;
  region: string;
  streamArn: string;
  entries: { record: DynamoDBRecord; attempts: number; arrivedAt: number }[];
  error: FailedStreamBatch['error'];
}): FailedStreamBatch {
  const { entries, functionName, error } = options;
  const first = entries[0]!;
  const last = entries.at(-1)!;
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: crypto.randomUUID(),
      functionArn: `arn:aws:lambda:${options.region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: Math.max(...entries.map((entry) => entry.attempts)),
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(error.errorType !== 'BatchItemFailure' && { functionError: 'Unhandled' }),
    },
    DDBStreamBatchInfo: {
      shardId: 'shardId-local-00000001',
      startSequenceNumber: first.record.dynamodb?.SequenceNumber ?? '',
      endSequenceNumber: last.record.dynamodb?.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: new Date(first.arrivedAt).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.arrivedAt).toISOString(),
      batchSize: entries.length,
      streamArn: options.streamArn,
    },
    functionName,
    error,
    // Locally the whole records, images included, so a failure can be replayed from the file.
    records: entries.map((entry) => entry.record),
  };
}

/**
 * The sequence numbers a `{batchItemFailures}` answer names. An empty or missing list is full
 * success; an identifier that is empty or not in the batch makes the whole batch a failure.
 */
export function batchItemFailures(
  result: unknown,
  batch: DynamoDBRecord[],
): Set<string> | 'invalid' {
  const failures = (result as { batchItemFailures?: unknown } | null | undefined)
    ?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return new Set();
  const known = new Set(batch.map((record) => record.dynamodb?.SequenceNumber ?? ''));
  const named = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !known.has(id)) return 'invalid';
    named.add(id);
  }
  return named;
}
