import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { eventually, startTestBridge, temporaryFolder } from '../local-bridge';
import { consumer, nameOf, put } from './stream-helpers';

const recordsFile = (dataDir: string) => join(dataDir, 'streams', 'records.jsonl');

/** Names of the records a consumer was handed, in order, that were not failed on purpose. */
function recorder(fail: (name: string) => boolean = () => false) {
  const processed: string[] = [];
  const handler = (event: DynamoDBStreamEvent) => {
    const names = event.Records.map(nameOf);
    if (names.some(fail)) throw new Error(`refusing ${names.join(',')}`);
    processed.push(...names);
    return {};
  };
  return { processed, handler };
}

describe('local DynamoDB stream with a data folder', () => {
  it('resumes after a restart from the checkpoints: what was processed is not handed over again, what was not is', async () => {
    // Prepare: the first run processes a1 and a2, then cannot process b1 (b2 waits behind it).
    const data = temporaryFolder();
    try {
      const first = recorder((name) => name.startsWith('b'));
      const before = await startTestBridge(
        consumer(first.handler, {
          dataDir: data.path,
          streamRetryDelayMs: 60_000,
          streamSettings: { bisectBatchOnError: false },
          drainTimeoutMs: 50,
        }),
      );
      await put(before, 'A', 'a1');
      await put(before, 'A', 'a2');
      await eventually('a1 and a2', () => first.processed.length === 2);
      await put(before, 'B', 'b1');
      await put(before, 'B', 'b2');
      await eventually('b1 refused', () => before.lines.some((line) => line.includes('refusing')));
      await before.close();

      // Act
      const second = recorder();
      const after = await startTestBridge(consumer(second.handler, { dataDir: data.path }));
      try {
        await eventually('b1 and b2', () => second.processed.length >= 2);
        await put(after, 'A', 'a3');
        await eventually('a3', () => second.processed.includes('a3'));

        // Assess
        expect(first.processed).toEqual(['a1', 'a2']);
        expect(second.processed).toEqual(['b1', 'b2', 'a3']);
        expect(after.lines.some((line) => line.includes('resuming 2 stream record(s)'))).toBe(true);
      } finally {
        await after.close();
      }
    } finally {
      data.remove();
    }
  });

  it('recovers the record of a write that a crash cut off between the store and the stream log', async () => {
    // Prepare: a write reached the store, then the process died before logging its record —
    // the log ends with the write's intent and no commit.
    const data = temporaryFolder();
    try {
      const first = recorder();
      const before = await startTestBridge(consumer(first.handler, { dataDir: data.path }));
      await put(before, 'C', 'cut-off', { text: 'stored, never streamed' });
      await eventually('the write processed', () => first.processed.length === 1);
      await before.close();
      const lines = readFileSync(recordsFile(data.path), 'utf8').trim().split('\n');
      expect(lines.map((line) => Object.keys(JSON.parse(line) as object)[0])).toEqual([
        'begin',
        'commit',
      ]);
      writeFileSync(recordsFile(data.path), `${lines[0]}\n`);
      writeFileSync(join(data.path, 'streams', 'checkpoints.jsonl'), '');

      // Act
      const records: DynamoDBStreamEvent['Records'] = [];
      const after = await startTestBridge(
        consumer((event) => records.push(...event.Records), { dataDir: data.path }),
      );
      try {
        await eventually('the recovered record', () => records.length === 1);

        // Assess
        expect(records[0]).toMatchObject({
          eventName: 'INSERT',
          dynamodb: { NewImage: { sk: { S: 'cut-off' }, text: { S: 'stored, never streamed' } } },
        });
      } finally {
        await after.close();
      }
    } finally {
      data.remove();
    }
  });
});
