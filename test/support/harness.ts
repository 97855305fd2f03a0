import { resolve } from 'node:path';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynamo/embedded-dynamo';
import type { Bridges } from '../../functions/core/bridges';
import { TEST_BRIDGES } from './bridges';
import { createLogger } from '../../functions/core/log';
import { memoryMetrics } from '../../functions/infra/emf-metrics';
import { DynamoEventStore } from '../../functions/infra/dynamo-event-store';
import { EVENT_ATTRIBUTES, decodeEventItem } from '../../functions/infra/event-item-codec';
import { createRuntime, setRuntime, type Runtime } from '../../functions/runtime/runtime';
import { envSecrets } from '../../functions/infra/secrets';
import { readFileSync } from 'node:fs';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures');

export function fixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(resolve(FIXTURES, path), 'utf8')) as T;
}

export { TEST_BRIDGES };

export interface Harness {
  dynamo: EmbeddedDynamo;
  /** The runtime with its fixed bridges, usable as ingest or relay dependencies directly. */
  runtime: Runtime & { bridges: Bridges };
  metrics: ReturnType<typeof memoryMetrics>;
  logs: string[];
  /** Every DynamoDB request the handlers made, by command name. */
  requests: string[];
  close(): Promise<void>;
}

/** The real handlers' runtime against an in-process dynalite, with secrets from `env`. */
export async function startHarness(
  options: { env?: Record<string, string>; bridges?: Bridges } = {},
): Promise<Harness> {
  const dynamo = await startEmbeddedDynamo({ tablePrefix: `test-${process.pid}-${Date.now()}` });
  const requests: string[] = [];
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  const logs: string[] = [];
  const metrics = memoryMetrics();
  const env = { ...dynamo.tableNames, AWS_REGION: 'us-west-2', ...options.env };
  const bridges = options.bridges ?? TEST_BRIDGES;
  const base = createRuntime(env, {
    dynamo: dynamo.client,
    store: new DynamoEventStore({
      client: dynamo.client,
      tableName: dynamo.tableNames.EVENTS_TABLE!,
      retentionDays: 30,
    }),
    bridges,
    secrets: envSecrets(env),
    metrics,
    log: createLogger({}, { sink: (line) => logs.push(line) }),
  });
  const runtime = { ...base, bridges };
  setRuntime(runtime);
  return {
    dynamo,
    runtime,
    metrics,
    logs,
    requests,
    close: async () => {
      setRuntime(undefined);
      await dynamo.close();
    },
  };
}

/** Items stored under one channel partition, read with a Query as the product would. */
export async function storedEvents(harness: Harness, channelKey: string) {
  const { QueryCommand } = await import('@aws-sdk/client-dynamodb');
  const response = await harness.dynamo.client.send(
    new QueryCommand({
      TableName: harness.dynamo.tableNames.EVENTS_TABLE!,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': EVENT_ATTRIBUTES.partitionKey },
      ExpressionAttributeValues: { ':pk': { S: channelKey } },
    }),
  );
  return (response.Items ?? []).map(decodeEventItem);
}
