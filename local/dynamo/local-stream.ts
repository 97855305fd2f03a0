import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { RELAY_STREAM_SETTINGS } from '../../functions/definitions/relay-settings';
import { TABLES } from '../../functions/definitions/tables';
import type { InvokeOutcome } from '../lambda/function-host';
import { STREAM_FAILURES_FILE } from '../tooling/dev-config';
import type { LocalLog } from '../tooling/log';
import type { EmbeddedDynamo } from './embedded-dynamo';
import { StreamFailureDestination } from './stream-failures';
import { StreamLog } from './stream-log';
import { StreamPoller, type FailedStreamBatch, type StreamSettings } from './stream-poller';
import { startStreamProxy, type StreamedTable } from './stream-proxy';

/** A stream consumer as STREAM_CONSUMERS declares one; tests may name their own functions. */
export interface StreamConsumerSpec {
  table: string;
  function: string;
}

/** How often the persisted stream drops what every consumer is done with (and what expired). */
const TRIM_INTERVAL_MS = 10 * 60 * 1000;

export interface LocalStreamOptions {
  dynamo: EmbeddedDynamo;
  region: string;
  host: string;
  log: LocalLog;
  /** With a data folder the stream survives a crash: records and checkpoints are on disk. */
  dataDir?: string;
  streamConsumers: readonly StreamConsumerSpec[];
  streamSettings?: Partial<StreamSettings>;
  invoke: (functionName: string, event: unknown) => Promise<InvokeOutcome>;
  retryDelayMs?: number;
  /** How long close() waits for queued stream records. Default 2 s. */
  drainTimeoutMs?: number;
}

export interface LocalStream {
  /** DynamoDB endpoint the handlers use (the stream-emulating proxy). */
  endpoint: string;
  /** Batches the consumers gave up on (also in `<data>/stream-failures.jsonl`). */
  failures: FailedStreamBatch[];
  close(): Promise<void>;
}

/**
 * DynamoDB Streams for the embedded store: the proxy that turns writes into records, the
 * poller that feeds them to the STREAM_CONSUMERS, the on-failure destination and, with a data
 * folder, the persisted stream they resume from after a stop or a crash.
 */
export async function startLocalStream(options: LocalStreamOptions): Promise<LocalStream> {
  const { dynamo, region, log, dataDir } = options;
  const tables = await streamedTables(dynamo, region);
  const settings: StreamSettings = { ...RELAY_STREAM_SETTINGS, ...options.streamSettings };
  const consumers = options.streamConsumers.map((consumer) => {
    const table = tables.find((t) => t.definition.logicalName === consumer.table);
    if (!table) {
      throw new Error(`STREAM_CONSUMERS: table "${consumer.table}" is not a table with a stream`);
    }
    return { functionName: consumer.function, table, settings };
  });
  const failures = new StreamFailureDestination(
    dataDir && join(dataDir, STREAM_FAILURES_FILE),
    log,
  );
  const streamLog = dataDir ? new StreamLog(dataDir) : undefined;
  const poller = new StreamPoller({
    consumers,
    invoke: options.invoke,
    log,
    region,
    onFailure: (batch) => failures.accept(batch),
    ...(streamLog && {
      onCheckpoint: (name, key, seq) => streamLog.checkpoint(name, key, seq),
    }),
    retryDelayMs: options.retryDelayMs,
  });
  if (streamLog) {
    const resumed = poller.resume(streamLog.records(), (name) => streamLog.checkpoints(name));
    if (resumed > 0) {
      log.info('stream', `resuming ${resumed} stream record(s) not processed before the last stop`);
    }
  }
  let proxy;
  try {
    proxy = await startStreamProxy({
      target: dynamo.endpoint,
      tables,
      region,
      log,
      host: options.host,
      ...(streamLog && { streamLog }),
      onRecord: (table, record) => poller.publish(table, record),
    });
  } catch (error) {
    poller.close();
    streamLog?.close();
    throw error;
  }
  const trim = () => {
    const { expiredUnread } = streamLog!.trim(
      (record) => poller.needs(record),
      (record) => poller.partitionOf(record),
    );
    if (expiredUnread > 0) {
      log.warn(
        'stream',
        `${expiredUnread} stream record(s) expired (24 h) before a consumer processed them`,
      );
    }
  };
  if (streamLog) trim();
  const trimmer = streamLog && setInterval(trim, TRIM_INTERVAL_MS).unref();

  return {
    endpoint: proxy.endpoint,
    failures: failures.batches,
    close: async () => {
      clearInterval(trimmer);
      const drained = await poller.drain(options.drainTimeoutMs ?? 2000);
      const left = poller.close();
      if (!drained && left > 0) {
        log.warn(
          'stream',
          streamLog
            ? `${left} stream record(s) not yet processed at shutdown; they resume at the next start`
            : `${left} stream record(s) were still queued at shutdown and not delivered`,
        );
      }
      await proxy.close();
      streamLog?.close();
    },
  };
}

/** The tables with a stream, with the stream ARN DynamoDB would give each. */
async function streamedTables(dynamo: EmbeddedDynamo, region: string): Promise<StreamedTable[]> {
  const tables: StreamedTable[] = [];
  for (const definition of TABLES) {
    if (!definition.stream) continue;
    const tableName = dynamo.tableNames[definition.tableNameEnv]!;
    const described = await dynamo.client.send(new DescribeTableCommand({ TableName: tableName }));
    const label = (described.Table?.CreationDateTime ?? new Date(0))
      .toISOString()
      .replace(/Z$/, '');
    tables.push({
      tableName,
      definition,
      streamArn: described.Table?.TableArn
        ? `${described.Table.TableArn.replace(/:us-east-1:/, `:${region}:`)}/stream/${label}`
        : `arn:aws:dynamodb:${region}:000000000000:table/${tableName}/stream/${label}`,
    });
  }
  return tables;
}
