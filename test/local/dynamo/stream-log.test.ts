import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { StreamLog, type LoggedRecord } from '../../../local/dynamo/stream-log';
import { temporaryFolder } from '../local-bridge';

const HOUR = 60 * 60 * 1000;

function record(pk: string, sequenceNumber: string): LoggedRecord {
  const keys = { pk: { S: pk }, sk: { S: sequenceNumber } };
  return {
    table: 'Events',
    record: {
      eventName: 'INSERT',
      dynamodb: { Keys: keys, NewImage: keys, SequenceNumber: sequenceNumber },
    } as DynamoDBRecord,
  };
}

const partitionOf = (logged: LoggedRecord) => logged.record.dynamodb!.Keys!.pk!.S!;
const sequenceOf = (logged: LoggedRecord) => logged.record.dynamodb!.SequenceNumber!;

describe('StreamLog: the persisted local stream', () => {
  it('keeps records and checkpoints across a reopen and skips a line a crash cut short', () => {
    // Prepare
    const data = temporaryFolder();
    const log = new StreamLog(data.path);
    log.commit(log.begin([]), [record('A', '01'), record('B', '02')]);
    log.checkpoint('Relay', 'A', '01');
    const open = log.begin([{ table: 'Events', key: { pk: { S: 'C' } }, before: undefined }]);
    log.close();
    appendFileSync(join(data.path, 'streams', 'records.jsonl'), '{"commit":99,"at":1,"rec');

    // Act
    const reopened = new StreamLog(data.path);

    // Assess
    expect(reopened.records().map(sequenceOf)).toEqual(['01', '02']);
    expect(reopened.checkpoints('Relay')).toEqual(new Map([['A', '01']]));
    expect(reopened.unfinished().map((intent) => intent.id)).toEqual([open]);
    reopened.commit(open, [record('C', '03')]);
    reopened.close();
    const third = new StreamLog(data.path);
    expect(third.records().map(sequenceOf)).toEqual(['01', '02', '03']);
    third.close();
    data.remove();
  });

  it('trims what no consumer needs and what is older than 24 hours, counting what expired unread', () => {
    // Prepare
    const data = temporaryFolder();
    let now = 1_000 * HOUR;
    const log = new StreamLog(data.path, () => now);
    log.commit(log.begin([]), [record('A', '01'), record('B', '02')]);
    log.checkpoint('Relay', 'A', '01');
    now += 2 * HOUR;
    log.commit(log.begin([]), [record('B', '03')]);
    const needed = (logged: LoggedRecord) => sequenceOf(logged) !== '01';

    // Act: the processed record goes; a day later the old unread one expires.
    const first = log.trim(needed, partitionOf);
    const afterFirst = log.records().map(sequenceOf);
    now += 23 * HOUR;
    const second = log.trim(needed, partitionOf);

    // Assess
    expect(first).toEqual({ dropped: 1, expiredUnread: 0 });
    expect(afterFirst).toEqual(['02', '03']);
    expect(second).toEqual({ dropped: 1, expiredUnread: 1 });
    expect(log.records().map(sequenceOf)).toEqual(['03']);
    // A's checkpoint went with A's last record.
    expect(log.checkpoints('Relay')).toEqual(new Map());
    expect(readFileSync(join(data.path, 'streams', 'checkpoints.jsonl'), 'utf8')).toBe('');
    log.close();
    data.remove();
  });
});
