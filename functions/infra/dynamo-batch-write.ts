import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { sleep } from '../core/concurrency';

const MAX_ITEMS_PER_BATCH = 25;
const MAX_ROUNDS = 6;

/**
 * Write every request, 25 to a BatchWriteItem, sending back what DynamoDB hands back
 * unprocessed (it does so under throttling) with exponential backoff, and failing loudly
 * rather than dropping a write when it keeps coming back.
 */
export async function batchWriteAll(
  client: DynamoDBClient,
  tableName: string,
  requests: readonly WriteRequest[],
): Promise<void> {
  for (let start = 0; start < requests.length; start += MAX_ITEMS_PER_BATCH) {
    let pending = requests.slice(start, start + MAX_ITEMS_PER_BATCH);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= MAX_ROUNDS) {
        throw new Error(`${tableName}: ${pending.length} write(s) left unprocessed`);
      }
      if (round > 0) await sleep(50 * 2 ** (round - 1));
      const response = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = response.UnprocessedItems?.[tableName] ?? [];
    }
  }
}
