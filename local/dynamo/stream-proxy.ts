import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { DynamoDBRecord } from 'aws-lambda';
import type { TableDefinition } from '../../functions/definitions/tables';
import type { LocalLog } from '../tooling/log';
import { closeServer, listen, readBody } from '../tooling/net';
import type { StreamLog } from './stream-log';
import { changeOf, sequenceNumbers, streamRecord, type Item } from './stream-records';
import { storeClient, withBody } from './stream-store';
import { touched } from './stream-targets';

export interface StreamedTable {
  tableName: string;
  definition: TableDefinition;
  streamArn: string;
}

export interface StreamProxyOptions {
  /** The DynamoDB-compatible server the proxy forwards to. */
  target: string;
  tables: StreamedTable[];
  region: string;
  log: LocalLog;
  onRecord: (table: StreamedTable, record: DynamoDBRecord) => void;
  /** With a data folder: every record is logged there before its write is acknowledged. */
  streamLog?: StreamLog;
  host?: string;
  port?: number;
}

export interface StreamProxy {
  endpoint: string;
  close(): Promise<void>;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/**
 * dynalite has no streams, so the handlers reach it through this proxy, which forwards every
 * request unchanged and, after a successful write to a table with `stream: true`, emits the
 * stream record DynamoDB would: the item is read before and after the write to tell INSERT
 * from MODIFY from REMOVE (an unchanged item and a failed conditional write emit nothing).
 * Streamed writes go one at a time so the sequence numbers follow commit order.
 */
export async function startStreamProxy(options: StreamProxyOptions): Promise<StreamProxy> {
  const target = new URL(options.target);
  const tables = new Map(options.tables.map((table) => [table.tableName, table]));
  const logged = options.streamLog?.records() ?? [];
  // New sequence numbers follow the persisted ones even if the clock went back.
  const nextSequence = sequenceNumbers(Date.now, logged.at(-1)?.record.dynamodb?.SequenceNumber);
  const { forward, getItem } = storeClient(target);
  let writeQueue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const result = writeQueue.then(work);
    writeQueue = result.catch(() => undefined);
    return result;
  };

  /** The records of a write from the items before and after it, logged, then published. */
  const emit = (
    intent: number | undefined,
    targets: { table: StreamedTable; key: Item }[],
    before: (Item | undefined)[],
    after: (Item | undefined)[],
  ) => {
    const records: { table: StreamedTable; record: DynamoDBRecord }[] = [];
    targets.forEach(({ table, key }, index) => {
      const eventName = changeOf(before[index], after[index]);
      if (!eventName) return;
      const record = streamRecord({
        eventName,
        keys: key,
        newImage: after[index],
        sequenceNumber: nextSequence(),
        region: options.region,
        streamArn: table.streamArn,
      });
      records.push({ table, record });
    });
    if (intent !== undefined) {
      options.streamLog!.commit(
        intent,
        records.map(({ table, record }) => ({ table: table.definition.logicalName, record })),
      );
    }
    for (const { table, record } of records) {
      try {
        options.onRecord(table, record);
      } catch (error) {
        options.log.error('stream', 'stream record not delivered to the poller', { error });
      }
    }
  };

  /** The intent of a write, logged before the store sees it (see recoverUnfinished). */
  const begin = (targets: { table: StreamedTable; key: Item }[], before: (Item | undefined)[]) =>
    options.streamLog?.begin(
      targets.map(({ table, key }, index) => ({
        table: table.definition.logicalName,
        key,
        before: before[index],
      })),
    );
  const forwardLogged = async (
    intent: number | undefined,
    headers: IncomingHttpHeaders,
    path: string,
    body: Buffer,
  ) => {
    try {
      const answer = await forward(headers, path, body);
      if (answer.status !== 200 && intent !== undefined) options.streamLog!.commit(intent, []);
      return answer;
    } catch (error) {
      if (intent !== undefined) options.streamLog!.commit(intent, []);
      throw error;
    }
  };

  const streamedWrite = async (
    headers: IncomingHttpHeaders,
    path: string,
    body: Buffer,
    targets: { table: StreamedTable; key: Item }[],
  ) =>
    serialized(async () => {
      const before = await Promise.all(
        targets.map(({ table, key }) => getItem(table.tableName, key)),
      );
      const intent = begin(targets, before);
      const answer = await forwardLogged(intent, headers, path, body);
      if (answer.status !== 200) return answer;
      const after = await Promise.all(
        targets.map(({ table, key }) => getItem(table.tableName, key)),
      );
      emit(intent, targets, before, after);
      return answer;
    });

  /**
   * A PutItem (every event is one) in one round trip instead of three: the store returns the
   * item it replaced (ReturnValues ALL_OLD, taken back out of the answer unless the caller
   * asked for it) and the new image is the item put. Its intent is logged without a `before`,
   * so a crash between the write and its record recovers it as an INSERT: at worst a record
   * the relay has already settled, which its delivery records skip.
   */
  const streamedPut = async (
    headers: IncomingHttpHeaders,
    path: string,
    input: Record<string, unknown>,
    target: { table: StreamedTable; key: Item },
  ) =>
    serialized(async () => {
      const askedOld = input.ReturnValues === 'ALL_OLD';
      const body = Buffer.from(JSON.stringify({ ...input, ReturnValues: 'ALL_OLD' }));
      const intent = begin([target], [undefined]);
      const answer = await forwardLogged(intent, headers, path, body);
      if (answer.status !== 200) return answer;
      const { Attributes: before, ...rest } = JSON.parse(answer.body.toString('utf8')) as {
        Attributes?: Item;
      };
      emit(intent, [target], [before], [input.Item as Item]);
      return askedOld ? answer : withBody(answer, Buffer.from(JSON.stringify(rest)));
    });

  /** Writes a crash cut off between the store and the log: their records, from the store now. */
  const recoverUnfinished = async () => {
    const byName = new Map(options.tables.map((table) => [table.definition.logicalName, table]));
    for (const intent of options.streamLog?.unfinished() ?? []) {
      const targets = intent.targets.flatMap(({ table, key, before }) => {
        const streamed = byName.get(table);
        return streamed ? [{ table: streamed, key, before }] : [];
      });
      const after = await Promise.all(
        targets.map(({ table, key }) => getItem(table.tableName, key)),
      );
      emit(
        intent.id,
        targets,
        targets.map((target) => target.before),
        after,
      );
    }
  };
  await recoverUnfinished();

  const server: Server = createServer((incoming, outgoing) => {
    void (async () => {
      try {
        const body = await readBody(incoming, MAX_REQUEST_BYTES);
        const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        let targets: { table: StreamedTable; key: Item }[] = [];
        let input: Record<string, unknown> = {};
        if (WRITES.has(operation)) {
          try {
            input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
            targets = touched(tables, operation, input);
          } catch {
            targets = []; // Malformed JSON: the store itself answers it.
          }
        }
        const path = incoming.url ?? '/';
        const answer =
          targets.length === 0
            ? await forward(incoming.headers, path, body)
            : operation === 'PutItem'
              ? await streamedPut(incoming.headers, path, input, targets[0]!)
              : await streamedWrite(incoming.headers, path, body, targets);
        const headers = { ...answer.headers };
        delete headers['transfer-encoding'];
        delete headers.connection;
        outgoing.writeHead(answer.status, {
          ...headers,
          'content-length': String(answer.body.length),
        });
        outgoing.end(answer.body);
      } catch (error) {
        options.log.error('dynamo', 'request through the stream proxy failed', { error });
        if (!outgoing.headersSent) {
          outgoing.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' }).end(
            JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
              message: String(error),
            }),
          );
        }
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  return {
    endpoint: `http://${host}:${port}`,
    close: async () => {
      await writeQueue;
      await closeServer(server);
    },
  };
}
