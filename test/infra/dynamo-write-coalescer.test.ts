import {
  BatchWriteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoWriteCoalescer } from '../../functions/infra/dynamo-write-coalescer';

const dynamo = mockClient(DynamoDBClient);
const item = (pk: string, sk = 'D'): Record<string, AttributeValue> => ({
  pk: { S: pk },
  sk: { S: sk },
});
const keyOf = (i: Record<string, AttributeValue>) => `${i.pk?.S}|${i.sk?.S}`;
const coalescer = () => new DynamoWriteCoalescer(new DynamoDBClient({}), 'state', keyOf);
const written = () =>
  dynamo.calls().map((call) => {
    const input = call.args[0].input as {
      Item?: Record<string, AttributeValue>;
      RequestItems?: Record<string, { PutRequest?: { Item?: Record<string, AttributeValue> } }[]>;
    };
    return input.Item
      ? [input.Item.pk!.S]
      : input.RequestItems!.state!.map((w) => w.PutRequest!.Item!.pk!.S);
  });

describe('DynamoWriteCoalescer', () => {
  beforeEach(() => {
    dynamo.reset();
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(BatchWriteItemCommand).resolves({});
  });

  it('sends puts made in the same moment as one BatchWriteItem, and a lone put as a PutItem', async () => {
    const writes = coalescer();
    await Promise.all([writes.put([item('a')]), writes.put([item('b'), item('c', 'M')])]);
    await writes.put([item('d')]);
    expect(written()).toEqual([['a', 'b', 'c'], ['d']]);
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it('never puts one key twice in a batch, and the later put lands last', async () => {
    const writes = coalescer();
    const order: string[] = [];
    dynamo.on(PutItemCommand).callsFake(async (input: { Item: Record<string, AttributeValue> }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(input.Item.status?.S ?? '');
      return {};
    });
    await Promise.all([
      writes.put([{ ...item('a'), status: { S: 'sending' } }]),
      writes.put([{ ...item('a'), status: { S: 'delivered' } }]),
    ]);
    expect(order).toEqual(['sending', 'delivered']);
  });

  it('splits more than 25 items across requests, and a failed request fails only its own callers', async () => {
    const writes = coalescer();
    let calls = 0;
    dynamo.on(BatchWriteItemCommand).callsFake(async () => {
      calls += 1;
      if (calls === 1) throw new Error('throttled');
      return {};
    });
    const first = writes.put(Array.from({ length: 20 }, (_, i) => item(`x${i}`)));
    const second = writes.put(Array.from({ length: 20 }, (_, i) => item(`y${i}`)));
    await expect(first).rejects.toThrow('throttled');
    await expect(second).resolves.toBeUndefined();
    expect(written().map((batch) => batch.length)).toEqual([20, 20]);
  });

  it('sends again what DynamoDB hands back unprocessed', async () => {
    const writes = coalescer();
    dynamo
      .on(BatchWriteItemCommand)
      .resolvesOnce({
        UnprocessedItems: { state: [{ PutRequest: { Item: item('b') } }] },
      })
      .resolves({});
    await Promise.all([writes.put([item('a')]), writes.put([item('b')])]);
    expect(written()).toEqual([['a', 'b'], ['b']]);
  });
});
