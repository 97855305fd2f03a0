import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { LocalBridgeOptions } from '../../../local/bridge';
import { testFunction, type TestBridge } from '../local-bridge';

/**
 * Holds the consumer's first batch (the `gate` record) until opened: records written meanwhile
 * wait, and the next batch takes them all, as a busy Lambda's next poll would.
 */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    open,
    /** Call first in the consumer: waits if the batch holds the gate record. */
    hold: async (event: DynamoDBStreamEvent) => {
      if (event.Records.some((record) => nameOf(record) === 'gate')) await opened;
    },
    withoutGate: (names: string[]) => names.filter((name) => name !== 'gate'),
  };
}

/** Item `name` in partition `pk`; `name` doubles as the sort key and as a readable tag. */
export function put(
  bridge: TestBridge,
  pk: string,
  name: string,
  extra: Record<string, string> = {},
) {
  return bridge.dynamo.send(
    new PutItemCommand({
      TableName: bridge.tableNames.EVENTS_TABLE,
      Item: {
        pk: { S: pk },
        sk: { S: name },
        ...Object.fromEntries(Object.entries(extra).map(([key, value]) => [key, { S: value }])),
      },
    }),
  );
}

export const nameOf = (record: DynamoDBRecord) => record.dynamodb!.Keys!.sk!.S!;
export const pkOf = (record: DynamoDBRecord) => record.dynamodb!.Keys!.pk!.S!;

export function consumer(
  handler: (event: DynamoDBStreamEvent) => unknown,
  options: Partial<LocalBridgeOptions> = {},
): Partial<LocalBridgeOptions> {
  return {
    functions: { Consumer: testFunction() },
    modules: { Consumer: { handler: async (event: DynamoDBStreamEvent) => handler(event) } },
    streamConsumers: [{ table: 'Events', function: 'Consumer' }],
    streamRetryDelayMs: 20,
    ...options,
  };
}
