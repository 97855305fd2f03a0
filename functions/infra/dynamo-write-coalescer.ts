import { PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { batchWriteAll } from './dynamo-batch-write';

const MAX_ITEMS_PER_BATCH = 25;

interface Pending {
  items: Record<string, AttributeValue>[];
  keys: string[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Puts to one table made in the same turn of the event loop, sent as one BatchWriteItem: the
 * relay's lanes write a delivery outcome and the next delivery's intent at the same moment,
 * and its targets settle side by side, so two to four requests become one. What DynamoDB hands
 * back unprocessed is sent again with backoff (batchWriteAll); a batch that fails fails only
 * the callers in it, who retry on their own. Two puts of one key are never in flight together
 * (a batch may not hold a key twice, and the later put must land last): it waits its turn.
 */
export class DynamoWriteCoalescer {
  private queue: Pending[] = [];
  /** Puts whose key is in a batch still in flight: they go once it has settled. */
  private waiting: Pending[] = [];
  private readonly inFlight = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly keyOf: (item: Record<string, AttributeValue>) => string,
  ) {}

  put(items: Record<string, AttributeValue>[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, keys: items.map(this.keyOf), resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    let batch: Pending[] = [];
    let size = 0;
    const batches = [batch];
    for (const entry of this.queue.splice(0)) {
      if (entry.keys.some((key) => this.inFlight.has(key))) {
        this.waiting.push(entry);
        continue;
      }
      if (size + entry.items.length > MAX_ITEMS_PER_BATCH && batch.length > 0) {
        batches.push((batch = []));
        size = 0;
      }
      batch.push(entry);
      size += entry.items.length;
      entry.keys.forEach((key) => this.inFlight.add(key));
    }
    for (const entries of batches) if (entries.length > 0) void this.send(entries);
  }

  private async send(entries: Pending[]): Promise<void> {
    const items = entries.flatMap((entry) => entry.items);
    try {
      if (items.length === 1) {
        await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: items[0] }));
      } else {
        await batchWriteAll(
          this.client,
          this.tableName,
          items.map((Item) => ({ PutRequest: { Item } })),
        );
      }
      entries.forEach((entry) => entry.resolve());
    } catch (error) {
      entries.forEach((entry) => entry.reject(error));
    } finally {
      entries.forEach((entry) => entry.keys.forEach((key) => this.inFlight.delete(key)));
      if (this.waiting.length > 0) {
        this.queue.unshift(...this.waiting.splice(0));
        this.schedule();
      }
    }
  }
}
