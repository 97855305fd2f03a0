/**
 * The full route-level fuzz: `npm run fuzz [-- --requests N --seed S --concurrency C]`.
 * Starts its own in-memory local runtime, prints a summary, exits non-zero on any 5xx, any
 * 4xx that is not problem+json, or any delivery stored in part or from a rejected request.
 */
import '../local/tooling/sdk-node-warning';
import { parseArgs } from 'node:util';
import { runRouteFuzz } from '../test/fuzz/route-fuzz';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '9000' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
  },
});
const report = await runRouteFuzz({
  requests: Number(values.requests),
  concurrency: Number(values.concurrency),
  ...(values.seed !== undefined && { seed: Number(values.seed) }),
});
const failures =
  report.serverErrors.length +
  report.notProblemJson.length +
  report.strayItems.length +
  report.missingItems.length;
console.log(
  JSON.stringify(
    {
      ...report,
      serverErrorCount: report.serverErrors.length,
      serverErrors: report.serverErrors.slice(0, 10),
      strayItems: report.strayItems.slice(0, 10),
      missingItems: report.missingItems.slice(0, 10),
    },
    null,
    2,
  ),
);
process.exit(failures === 0 ? 0 : 1);
