import type { AddressInfo } from 'node:net';
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
 * A DynamoDB-compatible server in this process (dynalite), reached through the real
 * `@aws-sdk/client-dynamodb`. In memory unless `path` names a data folder.
 */
export async function startEmbeddedDynamo(
  options: { port?: number; host?: string; path?: string; tablePrefix?: string } = {},
): Promise<EmbeddedDynamo> {
  const server = dynalite({
    ...(options.path && { path: options.path }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
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
      await new Promise<void>((resolve) => server.close(() => resolve()));
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
