import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionName, StreamConsumer } from '../functions/definitions/functions';
import { RELAY_STREAM_SETTINGS } from '../functions/definitions/relay-settings';
import type { TableDefinition } from '../functions/definitions/tables';

/** How long a parked delivery or a failed stream batch waits to be replayed: SQS's maximum. */
const KEEP_FOR = Duration.days(14);

/**
 * Where the relay parks a delivery that exhausted its retries, whole (event, target, error),
 * for `npm run dlq -- list|replay`. SSE with SQS-managed keys, TLS only, kept 14 days.
 */
export function createDeliveryDeadLetterQueue(scope: Construct): Queue {
  return new Queue(scope, 'DeliveryDeadLetters', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: KEEP_FOR,
  });
}

export interface RelayStreamsProps {
  consumers: readonly StreamConsumer[];
  /** The stack's tables with their definitions; a consumer names one by logicalName. */
  tables: readonly { definition: TableDefinition; table: Table }[];
  functions: Partial<Record<FunctionName, IFunction>>;
}

/**
 * The event source mappings of STREAM_CONSUMERS, with RELAY_STREAM_SETTINGS (the local stream
 * emulation reads the same values). Only INSERTs reach the relay, by filter; records whose
 * retries are spent go to `streamFailures`, so nothing leaves the stream unrecorded.
 */
export class RelayStreams extends Construct {
  /**
   * On-failure destination of the mappings. Lambda writes the batch's shard, sequence numbers
   * and error here (not the records): with them the records can be read back from the stream
   * for 24 hours, and the event itself is always in the events table.
   */
  readonly streamFailures: Queue;

  constructor(scope: Construct, id: string, props: RelayStreamsProps) {
    super(scope, id);
    this.streamFailures = new Queue(this, 'StreamFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: KEEP_FOR,
    });

    const settings = RELAY_STREAM_SETTINGS;
    for (const consumer of props.consumers) {
      const entry = props.tables.find((t) => t.definition.logicalName === consumer.table);
      if (!entry?.definition.stream) {
        throw new Error(
          `STREAM_CONSUMERS: ${consumer.function} reads table "${consumer.table}", which has no stream`,
        );
      }
      const handler = props.functions[consumer.function];
      if (!handler) {
        throw new Error(
          `STREAM_CONSUMERS: ${consumer.function} is not deployed by this stack (see FUNCTION_WIRING)`,
        );
      }
      const source = new DynamoEventSource(entry.table, {
        startingPosition: StartingPosition[settings.startingPosition],
        batchSize: settings.batchSize,
        // 0 (see RELAY_STREAM_SETTINGS): each shard poll hands its records over at once.
        maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
        retryAttempts: settings.retryAttempts,
        bisectBatchOnError: settings.bisectBatchOnError,
        reportBatchItemFailures: settings.reportBatchItemFailures,
        parallelizationFactor: settings.parallelizationFactor,
        filters: settings.filterPatterns.map((pattern) => FilterCriteria.filter(pattern)),
        onFailure: new SqsDlq(this.streamFailures),
      });
      handler.addEventSource(source);
    }
  }
}
