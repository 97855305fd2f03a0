/**
 * How the relay Lambda consumes the events table's stream. The CDK event source mapping and
 * the local runtime's stream emulation both read these values, so local behaviour matches
 * what deploys: same filter, batch size, retries and bisect-on-error.
 */
export const RELAY_STREAM_SETTINGS = {
  batchSize: 25,
  maxBatchingWindowSeconds: 1,
  retryAttempts: 5,
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  parallelizationFactor: 1,
  startingPosition: 'TRIM_HORIZON',
  /** Only new events reach the relay: TTL removals and updates are filtered out, not coded out. */
  filterPatterns: [{ eventName: ['INSERT'] }],
} as const;
