import * as v from 'valibot';
import { issueError } from './core/validation';
import { postToConnections, type PostResult } from './infra/connection-posts';
import { getFanOutRuntime } from './runtime/fan-out-runtime';

const FanOutPageSchema = v.object({
  bridgeId: v.string(),
  connectionIds: v.array(v.string()),
  frame: v.pipe(v.string(), v.minLength(2)),
});

/**
 * One page of a large fan-out (functions/infra/fan-out-pages.ts): post the frame to each
 * connection with the relay's bounded concurrency, retry the failed ones once, and answer
 * what it came to. Gone connections are reported back, not removed: the relay removes them,
 * so this function needs no table access, only `@connections` on the stage.
 */
export async function postFanOutPage(event: unknown): Promise<PostResult> {
  const parsed = v.safeParse(FanOutPageSchema, event);
  if (!parsed.success) throw issueError(parsed.issues, 'not a fan-out page');
  const page = parsed.output;
  const { client, fanOut, base } = getFanOutRuntime();
  const data = Buffer.from(page.frame);
  const options = { concurrency: fanOut.concurrency, log: base.log };
  const first = await postToConnections(client, page.connectionIds, data, options);
  if (first.failed.length === 0) return first;
  // A throttled or timed-out post gets one more try; 410s are final.
  const retried = await postToConnections(client, first.failed, data, options);
  return {
    sent: first.sent + retried.sent,
    failed: retried.failed,
    gone: [...first.gone, ...retried.gone],
  };
}

export const handler = (event: unknown) => postFanOutPage(event);
