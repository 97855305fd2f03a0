import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestBridge, temporaryFolder, type TestBridge } from '../local-bridge';
import { consumer, gate, nameOf, pkOf, put } from './stream-helpers';

describe('local DynamoDB stream emulation', () => {
  let bridge: TestBridge | undefined;
  afterEach(async () => {
    await bridge?.close();
    bridge = undefined;
  });

  it('emits INSERT, MODIFY and REMOVE records shaped as DynamoDB Streams does', async () => {
    const records: DynamoDBRecord[] = [];
    bridge = await startTestBridge(
      consumer((event) => records.push(...event.Records), {
        streamSettings: { filterPatterns: [] },
      }),
    );

    await put(bridge, 'room-1', 'm1', { text: 'hello' });
    await put(bridge, 'room-1', 'm1', { text: 'hello' }); // unchanged: no record
    await bridge.dynamo.send(
      new UpdateItemCommand({
        TableName: bridge.tableNames.EVENTS_TABLE,
        Key: { pk: { S: 'room-1' }, sk: { S: 'm1' } },
        UpdateExpression: 'SET #t = :t',
        ExpressionAttributeNames: { '#t': 'text' },
        ExpressionAttributeValues: { ':t': { S: 'edited' } },
      }),
    );
    await bridge.dynamo.send(
      new DeleteItemCommand({
        TableName: bridge.tableNames.EVENTS_TABLE,
        Key: { pk: { S: 'room-1' }, sk: { S: 'm1' } },
      }),
    );

    await eventually('three records', () => records.length >= 3);
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = records as [DynamoDBRecord, DynamoDBRecord, DynamoDBRecord];
    expect(insert).toMatchObject({
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: bridge.region,
      dynamodb: {
        Keys: { pk: { S: 'room-1' }, sk: { S: 'm1' } },
        NewImage: { pk: { S: 'room-1' }, sk: { S: 'm1' }, text: { S: 'hello' } },
        StreamViewType: 'NEW_IMAGE',
      },
    });
    expect(insert.eventID).toMatch(/^[0-9a-f]{32}$/);
    expect(insert.eventSourceARN).toMatch(
      new RegExp(
        `^arn:aws:dynamodb:${bridge.region}:000000000000:table/${bridge.tableNames.EVENTS_TABLE}/stream/`,
      ),
    );
    expect(insert.dynamodb!.SizeBytes).toBeGreaterThan(0);
    expect(typeof insert.dynamodb!.ApproximateCreationDateTime).toBe('number');
    expect(modify.dynamodb!.NewImage!.text).toEqual({ S: 'edited' });
    expect(remove.dynamodb!.NewImage).toBeUndefined();
    const sequence = records.map((record) => record.dynamodb!.SequenceNumber!);
    expect([...sequence].sort()).toEqual(sequence);
  });

  it('answers a PutItem as the store would, with the old item only when asked, and streams a replacing put as MODIFY', async () => {
    const records: DynamoDBRecord[] = [];
    bridge = await startTestBridge(
      consumer((event) => records.push(...event.Records), {
        streamSettings: { filterPatterns: [] },
      }),
    );
    const first = await put(bridge, 'room-1', 'm1', { text: 'hello' });
    expect(first.Attributes).toBeUndefined();
    const replaced = await bridge.dynamo.send(
      new PutItemCommand({
        TableName: bridge.tableNames.EVENTS_TABLE,
        Item: { pk: { S: 'room-1' }, sk: { S: 'm1' }, text: { S: 'héllo ✓' } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    expect(replaced.Attributes?.text).toEqual({ S: 'hello' });
    const again = await put(bridge, 'room-1', 'm1', { text: 'bye' });
    expect(again.Attributes).toBeUndefined();

    await eventually('three records', () => records.length >= 3);
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'MODIFY']);
    expect(records.map((record) => record.dynamodb!.NewImage!.text!.S)).toEqual([
      'hello',
      'héllo ✓',
      'bye',
    ]);
  });

  it("applies the relay's filter (INSERT only) and emits nothing for a failed conditional write", async () => {
    const records: DynamoDBRecord[] = [];
    bridge = await startTestBridge(consumer((event) => records.push(...event.Records)));
    await put(bridge, 'room-1', 'm1', { text: 'hello' });
    await put(bridge, 'room-1', 'm1', { text: 'changed' });

    const conditional = bridge.dynamo.send(
      new PutItemCommand({
        TableName: bridge.tableNames.EVENTS_TABLE,
        Item: { pk: { S: 'room-1' }, sk: { S: 'm1' }, text: { S: 'again' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );

    await expect(conditional).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await put(bridge, 'room-1', 'm2');
    await eventually('the second insert', () => records.some((record) => nameOf(record) === 'm2'));
    expect(records.map((record) => [record.eventName, nameOf(record)])).toEqual([
      ['INSERT', 'm1'],
      ['INSERT', 'm2'],
    ]);
  });

  it('retries from the failed record of one partition key in order, without blocking the others', async () => {
    const processed: string[] = [];
    const failuresLeft = new Map([['a2', 2]]);
    const batches: string[][] = [];
    const held = gate();
    bridge = await startTestBridge(
      consumer(
        async (event) => {
          await held.hold(event);
          batches.push(held.withoutGate(event.Records.map(nameOf)));
          const failedKeys = new Set<string>();
          const batchItemFailures: { itemIdentifier: string }[] = [];
          for (const record of event.Records) {
            if (failedKeys.has(pkOf(record))) continue; // keep order: stop this key after a failure
            const left = failuresLeft.get(nameOf(record)) ?? 0;
            if (left > 0) {
              failuresLeft.set(nameOf(record), left - 1);
              failedKeys.add(pkOf(record));
              batchItemFailures.push({ itemIdentifier: record.dynamodb!.SequenceNumber! });
              continue;
            }
            if (nameOf(record) !== 'gate') processed.push(nameOf(record));
          }
          return { batchItemFailures };
        },
        { streamRetryDelayMs: 100 },
      ),
    );

    await put(bridge, 'G', 'gate');
    for (const name of ['a1', 'b1', 'a2', 'b2', 'a3', 'b3'])
      await put(bridge, name[0]!.toUpperCase(), name);
    held.open();

    await eventually('all six records', () => processed.length === 6);
    expect(processed.filter((name) => name.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(processed.filter((name) => name.startsWith('b'))).toEqual(['b1', 'b2', 'b3']);
    // B finished in the first batch, before A's failing record got through.
    expect(processed.indexOf('b3')).toBeLessThan(processed.indexOf('a2'));
    expect(batches[0]).toEqual([]);
    expect(batches[1]).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
    expect(batches.slice(2)).toEqual([
      ['a2', 'a3'],
      ['a2', 'a3'],
    ]);
    expect(bridge.streamFailures).toHaveLength(0);
  });

  it('hands a poison record to the on-failure destination, whole, and goes on with the rest of its key', async () => {
    // Prepare: a consumer that keeps order as the relay does — after a failed record it
    // leaves the rest of that key for the retry.
    const data = temporaryFolder();
    const processed: string[] = [];
    let poisonCalls = 0;
    const held = gate();
    try {
      bridge = await startTestBridge(
        consumer(
          async (event) => {
            await held.hold(event);
            const failedKeys = new Set<string>();
            const batchItemFailures: { itemIdentifier: string }[] = [];
            for (const record of event.Records) {
              if (failedKeys.has(pkOf(record))) continue;
              if (nameOf(record) === 'poison') {
                poisonCalls += 1;
                failedKeys.add(pkOf(record));
                batchItemFailures.push({ itemIdentifier: record.dynamodb!.SequenceNumber! });
                continue;
              }
              if (nameOf(record) !== 'gate') processed.push(nameOf(record));
            }
            return { batchItemFailures };
          },
          { dataDir: data.path, streamSettings: { retryAttempts: 2 } },
        ),
      );

      // Act: the poison record in the middle of its key's records, all in one batch.
      await put(bridge, 'G', 'gate');
      for (const name of ['before1', 'before2', 'poison', 'after1', 'after2'])
        await put(bridge, 'P', name, { text: `text of ${name}` });
      held.open();

      // Assess
      await eventually('every record after the poison one', () => processed.length === 4);
      expect(processed).toEqual(['before1', 'before2', 'after1', 'after2']);
      expect(poisonCalls).toBe(3);
      const [failed] = bridge.streamFailures;
      expect(bridge.streamFailures).toHaveLength(1);
      expect(failed).toMatchObject({
        functionName: 'Consumer',
        requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
        DDBStreamBatchInfo: { batchSize: 1 },
      });
      expect(failed!.records.map(nameOf)).toEqual(['poison']);
      const saved = readFileSync(join(data.path, 'stream-failures.jsonl'), 'utf8')
        .trim()
        .split('\n');
      expect(saved).toHaveLength(1);
      // The whole image, so the failure can be replayed from the file alone.
      expect(JSON.parse(saved[0]!)).toMatchObject({
        records: [
          {
            eventName: 'INSERT',
            dynamodb: {
              Keys: { pk: { S: 'P' }, sk: { S: 'poison' } },
              NewImage: { pk: { S: 'P' }, sk: { S: 'poison' }, text: { S: 'text of poison' } },
            },
          },
        ],
      });
      expect(bridge.lines.some((line) => line.includes('on-failure destination'))).toBe(true);
    } finally {
      await bridge?.close();
      bridge = undefined;
      data.remove();
    }
  });

  it('bisects a batch whose invocation throws until the failing record is alone', async () => {
    const processed: string[] = [];
    const batchSizes: number[] = [];
    const held = gate();
    bridge = await startTestBridge(
      consumer(
        async (event) => {
          await held.hold(event);
          if (event.Records.length === 1 && nameOf(event.Records[0]!) === 'gate') return {};
          batchSizes.push(event.Records.length);
          if (event.Records.some((record) => nameOf(record) === 'bomb')) throw new Error('boom');
          processed.push(...event.Records.map(nameOf));
          return {};
        },
        { streamSettings: { retryAttempts: 1 } },
      ),
    );

    await put(bridge, 'G', 'gate');
    for (const [pk, name] of [
      ['K1', 'x1'],
      ['K2', 'bomb'],
      ['K3', 'x2'],
      ['K4', 'x3'],
    ] as const) {
      await put(bridge, pk, name);
    }
    held.open();

    await eventually('the failed bomb', () => bridge!.streamFailures.length > 0);
    await eventually('the three good records', () => processed.length === 3);
    expect(processed.sort()).toEqual(['x1', 'x2', 'x3']);
    expect(batchSizes[0]).toBe(4);
    expect(bridge.streamFailures[0]!.records.map(nameOf)).toEqual(['bomb']);
    expect(bridge.streamFailures[0]!.error).toMatchObject({ errorMessage: 'boom' });
  });
});
