import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Item } from './stream-records';

/** DynamoDB Streams keeps a record 24 hours; the local stream keeps it as long. */
export const STREAM_RETENTION_MS = 24 * 60 * 60 * 1000;

/** A record of one streamed table (by its logical name). */
export interface LoggedRecord {
  table: string;
  record: DynamoDBRecord;
}

/** What a streamed write is about to touch, with each item as it was before. */
export interface WriteIntent {
  id: number;
  targets: { table: string; key: Item; before: Item | undefined }[];
}

type Line =
  | { begin: number; targets: WriteIntent['targets'] }
  | { commit: number; at: number; records: LoggedRecord[] };

/**
 * The local stream, as durable as the data folder: `streams/records.jsonl` is a write-ahead
 * log — a `begin` line before a streamed write reaches the store, a `commit` line with its
 * records before the write is acknowledged — so a crash at any point leaves either the records
 * or an unfinished intent the proxy completes at the next start. `streams/checkpoints.jsonl`
 * holds, per consumer and partition key, the last sequence number fully processed (delivered
 * or handed to the on-failure destination). Appends are synchronous: they reach the OS before
 * the client hears back, so they survive the process being killed, as the dynalite files do.
 */
export class StreamLog {
  private readonly recordsPath: string;
  private readonly checkpointsPath: string;
  private recordsFd: number;
  private checkpointsFd: number;
  private nextIntent = 1;
  private readonly open = new Map<number, WriteIntent>();
  private readonly marks = new Map<string, Map<string, string>>();

  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now,
  ) {
    const dir = join(dataDir, 'streams');
    mkdirSync(dir, { recursive: true });
    this.recordsPath = join(dir, 'records.jsonl');
    this.checkpointsPath = join(dir, 'checkpoints.jsonl');
    for (const line of readLines<Line>(this.recordsPath)) {
      if ('begin' in line) this.open.set(line.begin, { id: line.begin, targets: line.targets });
      else this.open.delete(line.commit);
      this.nextIntent = Math.max(this.nextIntent, ('begin' in line ? line.begin : line.commit) + 1);
    }
    for (const line of readLines<{ c: string; k: string; s: string }>(this.checkpointsPath)) {
      this.setMark(line.c, line.k, line.s);
    }
    this.recordsFd = openAppending(this.recordsPath);
    this.checkpointsFd = openAppending(this.checkpointsPath);
  }

  /** Intents a crash left without their records, oldest first. */
  unfinished(): WriteIntent[] {
    return [...this.open.values()];
  }

  begin(targets: WriteIntent['targets']): number {
    const id = this.nextIntent++;
    this.append({ begin: id, targets });
    return id;
  }

  commit(id: number, records: LoggedRecord[]): void {
    this.append({ commit: id, at: this.now(), records });
    this.open.delete(id);
  }

  /** Every retained record, in stream order. */
  records(): LoggedRecord[] {
    return readLines<Line>(this.recordsPath).flatMap((line) =>
      'commit' in line ? line.records : [],
    );
  }

  checkpoint(consumer: string, key: string, sequenceNumber: string): void {
    this.setMark(consumer, key, sequenceNumber);
    writeSync(
      this.checkpointsFd,
      `${JSON.stringify({ c: consumer, k: key, s: sequenceNumber })}\n`,
    );
  }

  /** The last sequence number `consumer` fully processed, per partition key. */
  checkpoints(consumer: string): ReadonlyMap<string, string> {
    return this.marks.get(consumer) ?? new Map();
  }

  /**
   * Retention: drop records older than 24 hours, and records no consumer still needs (`needed`
   * says, from the checkpoints and filters); rewrite both files without what was dropped (and
   * without a line a crash may have cut short, and without the checkpoints of partition keys
   * that have no record left). Answers how many were dropped, and how many of those unread.
   */
  trim(
    needed: (record: LoggedRecord) => boolean,
    partitionOf: (record: LoggedRecord) => string,
  ): { dropped: number; expiredUnread: number } {
    const oldest = this.now() - STREAM_RETENTION_MS;
    let dropped = 0;
    let expiredUnread = 0;
    const kept: Line[] = [];
    for (const line of readLines<Line>(this.recordsPath)) {
      if ('begin' in line) {
        if (this.open.has(line.begin)) kept.push(line);
        continue;
      }
      const records = line.records.filter((record) => {
        const wanted = needed(record);
        const keep = wanted && line.at >= oldest;
        if (!keep) dropped += 1;
        if (wanted && !keep) expiredUnread += 1;
        return keep;
      });
      if (records.length > 0) kept.push({ ...line, records });
    }
    this.recordsFd = rewrite(this.recordsPath, this.recordsFd, kept);
    const keys = new Set(
      kept.flatMap((line) => ('commit' in line ? line.records.map(partitionOf) : [])),
    );
    const marks: { c: string; k: string; s: string }[] = [];
    for (const [consumer, byKey] of this.marks) {
      for (const [key, seq] of byKey) {
        if (keys.has(key)) marks.push({ c: consumer, k: key, s: seq });
        else byKey.delete(key);
      }
    }
    this.checkpointsFd = rewrite(this.checkpointsPath, this.checkpointsFd, marks);
    return { dropped, expiredUnread };
  }

  close(): void {
    closeSync(this.recordsFd);
    closeSync(this.checkpointsFd);
  }

  private append(line: Line): void {
    writeSync(this.recordsFd, `${JSON.stringify(line)}\n`);
  }

  private setMark(consumer: string, key: string, sequenceNumber: string): void {
    const byKey = this.marks.get(consumer) ?? new Map<string, string>();
    this.marks.set(consumer, byKey);
    const current = byKey.get(key);
    if (current === undefined || current < sequenceNumber) byKey.set(key, sequenceNumber);
  }
}

/** The lines of a JSONL file; a last line cut short by a crash is skipped. */
function readLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const lines: T[] = [];
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text === '') continue;
    try {
      lines.push(JSON.parse(text) as T);
    } catch {
      // Only a torn tail can be malformed; everything before it was written whole.
    }
  }
  return lines;
}

/** Open for appending; a line a crash cut short is ended first, so the next one stays whole. */
function openAppending(path: string): number {
  const fd = openSync(path, 'a+', 0o600);
  const { size } = fstatSync(fd);
  if (size > 0) {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last.toString() !== '\n') writeSync(fd, '\n');
  }
  return fd;
}

/** Replace a file atomically (temp file + rename) and reopen it for appending. */
function rewrite(path: string, fd: number, lines: unknown[]): number {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, lines.map((line) => `${JSON.stringify(line)}\n`).join(''), {
    mode: 0o600,
  });
  closeSync(fd);
  renameSync(temporary, path);
  return openSync(path, 'a', 0o600);
}
