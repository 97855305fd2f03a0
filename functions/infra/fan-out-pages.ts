import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { PostResult } from './connection-posts';

/** One FanOut invocation's work: post `frame` (JSON text) to each of `connectionIds`. */
export interface FanOutPage {
  bridgeId: string;
  connectionIds: string[];
  frame: string;
}

/**
 * Lambda's asynchronous payload limit. Pages stay under it even though the relay invokes
 * synchronously (6 MB), so the same pages could be queued (SQS, async invoke) unchanged.
 */
export const MAX_PAGE_BYTES = 256 * 1024;

/** Room left for the page's own JSON (keys, brackets, the bridge id). */
const PAGE_OVERHEAD_BYTES = 1024;

/**
 * Split connection ids into pages of at most `pageSize` ids whose JSON payload (ids plus the
 * frame) stays under MAX_PAGE_BYTES. Returns no pages when the frame alone would not fit.
 */
export function pagesOf(
  bridgeId: string,
  connectionIds: readonly string[],
  frame: string,
  pageSize: number,
): FanOutPage[] {
  const fixed =
    Buffer.byteLength(JSON.stringify(frame)) +
    Buffer.byteLength(JSON.stringify(bridgeId)) +
    PAGE_OVERHEAD_BYTES;
  if (fixed >= MAX_PAGE_BYTES) return [];
  const pages: FanOutPage[] = [];
  let current: string[] = [];
  let bytes = fixed;
  for (const id of connectionIds) {
    const cost = Buffer.byteLength(JSON.stringify(id)) + 1;
    if (current.length > 0 && (current.length >= pageSize || bytes + cost > MAX_PAGE_BYTES)) {
      pages.push({ bridgeId, connectionIds: current, frame });
      current = [];
      bytes = fixed;
    }
    current.push(id);
    bytes += cost;
  }
  if (current.length > 0) pages.push({ bridgeId, connectionIds: current, frame });
  return pages;
}

/** Runs one page in another invocation and answers what it came to. */
export interface PageDispatcher {
  dispatch(page: FanOutPage): Promise<PostResult>;
}

/**
 * Pages posted by invocations of the FanOut function, invoked synchronously
 * (RequestResponse) and all at once: the relay waits for every page of an event before the
 * next event of that bridge, so each subscriber still gets the bridge's events in order, and
 * it gets each page's gone connections back to remove (FanOut itself touches no table).
 */
export class LambdaPageDispatcher implements PageDispatcher {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async dispatch(page: FanOutPage): Promise<PostResult> {
    const response = await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(page)),
      }),
    );
    const text = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
    if (response.FunctionError) {
      throw new Error(`${this.functionName} failed a page: ${text.slice(0, 500)}`);
    }
    return JSON.parse(text) as PostResult;
  }
}
