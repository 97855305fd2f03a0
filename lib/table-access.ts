import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { TableDefinition } from '../functions/definitions/tables';

/** The table itself, or one of its indexes by name (checked against the definition at synth). */
type Target = 'table' | { index: string };

export interface TableAccess {
  actions: readonly string[];
  on: Target;
}

/** Access to the events table, one entry per DynamoEventStore method. */
export const EVENTS_ACCESS = {
  // putEvent: one conditional PutItem decides new vs duplicate; never Update/Delete/BatchWrite.
  ingest: { actions: ['dynamodb:PutItem'], on: 'table' },
  // listEvents: history and catch-up read the `bySubject` index only.
  history: { actions: ['dynamodb:Query'], on: { index: 'bySubject' } },
} as const satisfies Record<string, TableAccess>;

export type EventsAccess = keyof typeof EVENTS_ACCESS;

/**
 * Access to the state table, one entry per code path in functions/infra (DynamoRelayState,
 * DynamoConnectionStore). BatchWriteItem cannot be narrowed to puts or deletes by IAM, so
 * only the paths that batch get it.
 */
export const STATE_ACCESS = {
  // DynamoRelayState: a batch's delivery records (BatchGetItem; GetItem alone), each delivery
  // with both directions of the message-id map (BatchWriteItem; PutItem when no copy), map
  // lookups (GetItem) and the conditional deletion claim (PutItem).
  relayState: {
    actions: [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:BatchWriteItem',
    ],
    on: 'table',
  },
  // connect: the connection's verified identity.
  registerConnection: { actions: ['dynamodb:PutItem'], on: 'table' },
  // get: the identity stored at $connect.
  readConnection: { actions: ['dynamodb:GetItem'], on: 'table' },
  // subscribe / unsubscribe.
  subscriptions: { actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], on: 'table' },
  // DynamoSendOrderStore: register a send (PutItem), count earlier ones under the connection
  // (consistent Query), release (DeleteItem).
  sendOrder: {
    actions: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'],
    on: 'table',
  },
  // subscribers: a bridge's connections, by the `byGsi1` index.
  listSubscribers: { actions: ['dynamodb:Query'], on: { index: 'byGsi1' } },
  // remove: Query the connection's items, then DeleteRequests in BatchWriteItem.
  removeConnection: { actions: ['dynamodb:Query', 'dynamodb:BatchWriteItem'], on: 'table' },
} as const satisfies Record<string, TableAccess>;

export type StateAccess = keyof typeof STATE_ACCESS;

/** Access to the bridges table, one entry per code path of DynamoBridgeStore. */
export const BRIDGES_ACCESS = {
  // CachedBridgeSource: GetItem of the revision item every few seconds, Scan to reload.
  read: { actions: ['dynamodb:GetItem', 'dynamodb:Scan'], on: 'table' },
  // BridgeRuleEngine: the conditional PutItem that opens a bridge, GetItem of the winner when
  // another delivery opened it first, UpdateItem to close it and to advance the revision;
  // ChannelClaims: UpdateItem and GetItem of the claim on the channel it reads.
  rules: { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], on: 'table' },
  // BridgeAdmin: list and read, create (PutItem), replace, delete and revision (UpdateItem);
  // ChannelClaims: UpdateItem and GetItem of the claims on the channels a bridge reads.
  manage: {
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
    on: 'table',
  },
} as const satisfies Record<string, TableAccess>;

export type BridgesAccess = keyof typeof BRIDGES_ACCESS;

/**
 * The statements for a set of accesses to one table: one statement per table or index ARN,
 * with the union of the actions on it, so each resource appears once.
 */
export function tableStatements(
  table: ITable,
  definition: TableDefinition,
  accesses: readonly TableAccess[],
): PolicyStatement[] {
  const actionsByArn = new Map<string, Set<string>>();
  for (const access of accesses) {
    const arn = targetArn(table, definition, access.on);
    const actions = actionsByArn.get(arn) ?? new Set<string>();
    for (const action of access.actions) actions.add(action);
    actionsByArn.set(arn, actions);
  }
  return [...actionsByArn].map(
    ([arn, actions]) => new PolicyStatement({ actions: [...actions].sort(), resources: [arn] }),
  );
}

function targetArn(table: ITable, definition: TableDefinition, target: Target): string {
  if (target === 'table') return table.tableArn;
  const indexes = [...definition.localIndexes, ...definition.globalIndexes];
  if (!indexes.some((index) => index.indexName === target.index)) {
    throw new Error(
      `table access: ${definition.logicalName} has no index "${target.index}" (functions/definitions/tables.ts)`,
    );
  }
  return `${table.tableArn}/index/${target.index}`;
}
