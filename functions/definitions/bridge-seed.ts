import { createHash } from 'node:crypto';

/**
 * The one definition of how the bridges file seeds the bridges table, shared by the DynamoDB
 * store (`npm start` seeds on start) and the stack's seeding custom resource (deploy), so
 * both make exactly the same conditional write. Plain DynamoDB request objects: no SDK.
 */

/** Sort key of every bridge item; the revision item shares the table under its own key. */
export const BRIDGE_SK = 'BRIDGE';
/** Partition key of the revision counter: `#` is never part of a bridge id. */
export const REVISION_PK = '#revision';

/** Hash of the file's version of one bridge: seeding writes only when this changes. */
export function bridgeFileHash(bridge: unknown): string {
  return createHash('sha256').update(JSON.stringify(bridge)).digest('hex');
}

/**
 * UpdateItem writing the file's version of a bridge, unless the item already holds this very
 * version of the file (`fileHash`). An operator's change keeps the hash of the file version
 * it replaced, so it survives redeploys and restarts until the file's bridge changes; a
 * deleted file bridge is a tombstone with its hash, so it stays deleted too. A refusal is
 * `ConditionalCheckFailedException`, which every caller treats as "kept".
 */
export function seedBridgeUpdate(
  tableName: string,
  bridge: { id: string },
  fileHash: string,
  nowIso: string,
) {
  return {
    TableName: tableName,
    Key: { pk: { S: bridge.id }, sk: { S: BRIDGE_SK } },
    UpdateExpression:
      'SET #doc = :doc, #origin = :file, #status = :open, fileHash = :hash, ' +
      'createdAt = if_not_exists(createdAt, :now), updatedAt = :now REMOVE ruleId ADD version :one',
    ConditionExpression:
      'attribute_not_exists(pk) OR attribute_not_exists(fileHash) OR fileHash <> :hash',
    ExpressionAttributeNames: { '#doc': 'doc', '#origin': 'origin', '#status': 'status' },
    ExpressionAttributeValues: {
      ':doc': { S: JSON.stringify(bridge) },
      ':file': { S: 'file' },
      ':open': { S: 'open' },
      ':hash': { S: fileHash },
      ':now': { S: nowIso },
      ':one': { N: '1' },
    },
  };
}

/**
 * UpdateItem advancing the table's revision: after every bridge write, so caches reload.
 * `seededFrom` (the deploy's hash of the whole file) is recorded so a deploy's bump runs
 * again whenever the file changes.
 */
export function bumpRevisionUpdate(tableName: string, seededFrom?: string) {
  return {
    TableName: tableName,
    Key: { pk: { S: REVISION_PK }, sk: { S: BRIDGE_SK } },
    UpdateExpression: `ADD revision :one${seededFrom !== undefined ? ' SET seededFrom = :from' : ''}`,
    ExpressionAttributeValues: {
      ':one': { N: '1' },
      ...(seededFrom !== undefined && { ':from': { S: seededFrom } }),
    },
  };
}
