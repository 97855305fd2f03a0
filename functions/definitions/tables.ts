/**
 * The one definition of every DynamoDB table, read by the CDK stack (lib/) and by the local
 * runtime (local/) alike, so keys, indexes and TTL can never drift apart. Pure data: no SDK.
 */
export interface TableDefinition {
  /** Logical name: CDK construct id and the suffix of the local table name. */
  logicalName: string;
  /** The environment variable the handlers read the physical table name from. */
  tableNameEnv: string;
  partitionKey: string;
  sortKey: string;
  timeToLiveAttribute: string;
  stream: boolean;
  localIndexes: { indexName: string; sortKey: string }[];
  globalIndexes: {
    indexName: string;
    partitionKey: string;
    sortKey: string;
    /** Projected attributes besides the keys; all attributes when absent. */
    nonKeyAttributes?: string[];
  }[];
}

/**
 * Events: one item per event, partitioned by provider channel (`provider#channel`), so a
 * redelivery hits the same key (one conditional write decides new vs duplicate) and the
 * stream keeps one channel's events in order. `bySubject` serves bridge history in store
 * order; `byChannelSeq` serves one channel in store order.
 */
export const EVENTS_TABLE: TableDefinition = {
  logicalName: 'Events',
  tableNameEnv: 'EVENTS_TABLE',
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  stream: true,
  localIndexes: [{ indexName: 'byChannelSeq', sortKey: 'seq' }],
  // History reads only the event itself: projecting it alone keeps the index small.
  globalIndexes: [
    {
      indexName: 'bySubject',
      partitionKey: 'subject',
      sortKey: 'seq',
      nonKeyAttributes: ['event'],
    },
  ],
};

/**
 * Relay state: WebSocket connections and subscriptions, the message-id map, delivery records
 * and client-message idempotency keys. No stream: nothing here is an event.
 */
export const STATE_TABLE: TableDefinition = {
  logicalName: 'State',
  tableNameEnv: 'STATE_TABLE',
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  stream: false,
  localIndexes: [],
  globalIndexes: [{ indexName: 'byGsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
};

/**
 * Bridges: one item per bridge (`pk` = bridge id, `sk` = `BRIDGE`) with its document, version,
 * origin and status, plus one revision item (`pk` = `#revision`, never a bridge id) that every
 * write advances, so caches check one small item instead of reading the table, plus one claim
 * per channel a run-time bridge reads (`pk` = `provider#channel`, `sk` = `CLAIM`; a released
 * one expires by TTL). No stream: the caches poll the revision (functions/core/bridge-source.ts).
 */
export const BRIDGES_TABLE: TableDefinition = {
  logicalName: 'Bridges',
  tableNameEnv: 'BRIDGES_TABLE',
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  stream: false,
  localIndexes: [],
  globalIndexes: [],
};

export const TABLES = [EVENTS_TABLE, STATE_TABLE, BRIDGES_TABLE] as const;

/** How long events stay before TTL removes them, unless EVENT_RETENTION_DAYS says otherwise. */
export const DEFAULT_EVENT_RETENTION_DAYS = 30;
