/**
 * The IVS review handler's answer time against IVS's 200 ms deadline: the real handler and
 * store against the embedded DynamoDB, every message a new one (a conditional write each).
 */
import { readFileSync } from 'node:fs';
import { parseBridges } from '../functions/runtime/bridges-file';
import { createLogger } from '../functions/core/log';
import { memoryMetrics } from '../functions/infra/emf-metrics';
import { createRuntime, setRuntime } from '../functions/runtime/runtime';
import { envSecrets } from '../functions/infra/secrets';
import { reviewIvsMessage } from '../functions/ivs-review';
import { startEmbeddedDynamo } from '../local/dynamo/embedded-dynamo';

export interface ReviewTimes {
  runs: number;
  p50: number;
  p99: number;
  max: number;
  deadlineMs: number;
}

export async function benchReview(runs = 500): Promise<ReviewTimes> {
  const dynamo = await startEmbeddedDynamo({ tablePrefix: `bench-review-${Date.now()}` });
  const env = { ...dynamo.tableNames, AWS_REGION: 'us-west-2' };
  setRuntime(
    createRuntime(env, {
      dynamo: dynamo.client,
      bridges: parseBridges(JSON.parse(readFileSync('bridges.json', 'utf8'))),
      secrets: envSecrets(env),
      metrics: memoryMetrics(),
      log: createLogger({}, { level: 'error' }),
    }),
  );
  const input = JSON.parse(
    readFileSync('test/fixtures/ivs/review-handler-input.json', 'utf8'),
  ) as Record<string, unknown>;
  const times: number[] = [];
  try {
    for (let i = 0; i < runs + 20; i += 1) {
      const started = performance.now();
      await reviewIvsMessage({ ...input, MessageId: `bench${String(i).padStart(7, '0')}` });
      if (i >= 20) times.push(performance.now() - started); // the first 20 warm the container
    }
  } finally {
    setRuntime(undefined);
    await dynamo.close();
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { runs, p50: at(0.5), p99: at(0.99), max: times.at(-1)!, deadlineMs: 200 };
}
