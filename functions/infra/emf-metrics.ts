/* eslint-disable no-console -- CloudWatch embedded-metric-format lines go to stdout by design */
import type { Metrics } from '../core/ports';

/**
 * Counters as CloudWatch Embedded Metric Format log lines: CloudWatch turns them into metrics
 * with no extra API call and no agent, which is what a Lambda wants on its hot path.
 */
export function emfMetrics(
  namespace = 'ChatBridge',
  write: (line: string) => void = (line) => console.log(line),
): Metrics {
  return {
    count(name, dimensions, value = 1) {
      write(
        JSON.stringify({
          _aws: {
            Timestamp: Date.now(),
            CloudWatchMetrics: [
              {
                Namespace: namespace,
                Dimensions: [Object.keys(dimensions)],
                Metrics: [{ Name: name, Unit: 'Count' }],
              },
            ],
          },
          ...dimensions,
          [name]: value,
        }),
      );
    },
  };
}

/** For tests and the local runtime: counters kept in memory. */
export function memoryMetrics(): Metrics & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    count(name, dimensions, value = 1) {
      const key = `${name}|${Object.entries(dimensions)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`;
      counts.set(key, (counts.get(key) ?? 0) + value);
    },
  };
}
