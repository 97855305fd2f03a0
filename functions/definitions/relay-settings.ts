/**
 * How the relay Lambda consumes the events table's stream. The CDK event source mapping and
 * the local runtime's stream emulation both read these values, so local behaviour matches
 * what deploys: same filter, batch size, retries and bisect-on-error.
 */
export const RELAY_STREAM_SETTINGS = {
  batchSize: 25,
  /**
   * No batching delay: chat that arrives a second late feels broken. Lambda already polls a
   * shard four times a second and hands over whatever is waiting at each poll (up to
   * batchSize), so a window only adds latency; under load batches fill by themselves. The
   * local emulation hands a record over as soon as it is written, batching what waits.
   */
  maxBatchingWindowSeconds: 0,
  retryAttempts: 5,
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  parallelizationFactor: 1,
  startingPosition: 'TRIM_HORIZON',
  /** Only new events reach the relay: TTL removals and updates are filtered out, not coded out. */
  filterPatterns: [{ eventName: ['INSERT'] }],
} as const;
