import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { TableDefinition } from '../functions/definitions/tables';

/**
 * One DynamoDB table exactly as functions/definitions/tables.ts defines it (the local runtime builds
 * its tables from the same definition). Every key is a string: the store writes `S` values.
 */
export function createTable(
  scope: Construct,
  definition: TableDefinition,
  removalPolicy: RemovalPolicy = RemovalPolicy.RETAIN,
): Table {
  const table = new Table(scope, `${definition.logicalName}Table`, {
    partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
    sortKey: { name: definition.sortKey, type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: definition.timeToLiveAttribute,
    // NEW_IMAGE is all the relay reads: the stored event itself.
    ...(definition.stream && { stream: StreamViewType.NEW_IMAGE }),
    // Events are the system of record and the state holds the durable message-id map:
    // deleting the stack deletes neither unless the app says so (e.g. a throwaway test stage).
    removalPolicy,
  });
  for (const index of definition.localIndexes) {
    table.addLocalSecondaryIndex({
      indexName: index.indexName,
      sortKey: { name: index.sortKey, type: AttributeType.STRING },
    });
  }
  for (const index of definition.globalIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: { name: index.sortKey, type: AttributeType.STRING },
      ...(index.nonKeyAttributes
        ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: index.nonKeyAttributes }
        : { projectionType: ProjectionType.ALL }),
    });
  }
  return table;
}
