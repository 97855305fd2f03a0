import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLES, type TableDefinition } from '../../functions/definitions/tables';

export interface EmbeddedDynamo {
  endpoint: string;
  client: DynamoDBClient;
  tableNames: Record<string, string>;
  close(): Promise<void>;
}

/** CreateTable input from the shared definition: the same keys and indexes the stack deploys. */
export function createTableInput(
  definition: TableDefinition,
  tableName: string,
): CreateTableCommandInput {
  const attributes = new Set<string>([definition.partitionKey, definition.sortKey]);
  definition.localIndexes.forEach((index) => attributes.add(index.sortKey));
  definition.globalIndexes.forEach((index) => {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((name) => ({
      AttributeName: name,
      AttributeType: 'S',
    })),
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: 'HASH' },
      { AttributeName: definition.sortKey, KeyType: 'RANGE' },
    ],
    ...(definition.localIndexes.length > 0 && {
      LocalSecondaryIndexes: definition.localIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: definition.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
    ...(definition.globalIndexes.length > 0 && {
      GlobalSecondaryIndexes: definition.globalIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: index.nonKeyAttributes
          ? { ProjectionType: 'INCLUDE', NonKeyAttributes: index.nonKeyAttributes }
          : { ProjectionType: 'ALL' },
      })),
    }),
    ...(definition.stream && {
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  };
}

/**
 * A DynamoDB-compatible server (dynalite), reached through the real
 * `@aws-sdk/client-dynamodb`. In memory unless `path` names a data folder. With `thread` it
 * runs on a worker thread of this process, so a busy store does not hold up the handlers
 * (the local runtime); without it, on this thread (quicker to start, for tests of a store).
 */
export async function startEmbeddedDynamo(
  options: {
    port?: number;
    host?: string;
    path?: string;
    tablePrefix?: string;
    thread?: boolean;
  } = {},
): Promise<EmbeddedDynamo> {
  const settings = {
    ...(options.path && { path: options.path }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  };
  const host = options.host ?? '127.0.0.1';
  const server = options.thread
    ? await listenOnThread(settings, options.port ?? 0, host)
    : await listenHere(settings, options.port ?? 0, host);
  const { port } = server;
  const endpoint = `http://${host}:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const prefix = options.tablePrefix ?? 'chat-bridge';
  const tableNames: Record<string, string> = {};
  for (const definition of TABLES) {
    const tableName = `${prefix}-${definition.logicalName}`;
    tableNames[definition.tableNameEnv] = tableName;
    await ensureTable(client, definition, tableName);
  }
  return {
    endpoint,
    client,
    tableNames,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

interface Listening {
  port: number;
  close(): Promise<void>;
}

async function listenHere(
  settings: Record<string, unknown>,
  port: number,
  host: string,
): Promise<Listening> {
  const server = dynalite(settings);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function listenOnThread(
  settings: Record<string, unknown>,
  port: number,
  host: string,
): Promise<Listening> {
  const worker = new Worker(new URL('./dynalite-thread.mjs', import.meta.url), {
    workerData: { options: settings, port, host },
  });
  const answer = (): Promise<{ port?: number; error?: string; closed?: boolean }> =>
    new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const started = await answer();
  if (started.error !== undefined || started.port === undefined) {
    await worker.terminate();
    throw new Error(`dynalite did not start: ${started.error}`);
  }
  let closing = false;
  // Every request fails from then on (connection refused); say why once, loudly.
  worker.on('exit', (code) => {
    if (!closing) process.emitWarning(`the embedded DynamoDB thread stopped (exit code ${code})`);
  });
  return {
    port: started.port,
    close: async () => {
      closing = true;
      const closed = answer();
      worker.postMessage('close');
      await closed;
      await worker.terminate();
    },
  };
}

async function ensureTable(client: DynamoDBClient, definition: TableDefinition, tableName: string) {
  try {
    await client.send(new CreateTableCommand(createTableInput(definition, tableName)));
  } catch (error) {
    // A data folder from an earlier run already holds the table.
    if (!(
      error instanceof ResourceInUseException || (error as Error).name === 'ResourceInUseException'
    ))
      throw error;
  }
  await client.send(new DescribeTableCommand({ TableName: tableName }));
}
