/**
 * Everything outside the bridge in the end-to-end bench, in its own process (forked by
 * bench/e2e-world.ts): the three fake provider servers behind recording proxies, the WebSocket
 * subscribers and the webhook poster. Times are taken on the system-wide monotonic clock.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import WebSocket from 'ws';
import { DynamoConnectionStore } from '../functions/infra/dynamo-connections';
import { startFakeGitplePlatform } from '../test/support/fake-gitple-platform';
import { startFakePingstreamsAuth } from '../test/support/fake-pingstreams-auth';
import { startFakeTigerConnect } from '../test/support/fake-tigerconnect';
import { gitpleMessage, PROJECT } from '../test/e2e/world';
import {
  GITPLE_KEY,
  PINGSTREAMS_SECRET,
  SENDER_SUB,
  type DirectFanOutArgs,
  type FanOutArgs,
  type SteadyArgs,
  type SteadyResult,
  type SubscribeArgs,
} from './e2e-config';
import { open, subscribe } from './e2e-subscribers';
import { monoMs, servePeer } from './ipc';
import { MARKER, startRecordingProxy, type RecordingProxy } from './recording-proxy';

const providerLatencyMs = Number(process.env.PROVIDER_LATENCY_MS ?? 0);
const gitple = await startFakeGitplePlatform({
  appId: 'gitple-app',
  apiKey: 'gitple-api-key',
  users: ['bridge-bot'],
});
const pingstreams = await startFakePingstreamsAuth({ projects: { [PROJECT]: PINGSTREAMS_SECRET } });
const tiger = await startFakeTigerConnect({});
const proxies: Record<string, RecordingProxy> = {
  gitple: await startRecordingProxy(gitple.url, { latencyMs: providerLatencyMs }),
  pingstreams: await startRecordingProxy(pingstreams.url, { latencyMs: providerLatencyMs }),
  tigerconnect: await startRecordingProxy(tiger.url, { latencyMs: providerLatencyMs }),
};

/** Marker -> arrival times of the `event` frames carrying it, one per subscriber. */
const arrivals = new Map<string, number[]>();
const waiters = new Map<string, { count: number; resolve(): void }>();
const subscribers: WebSocket[] = [];
let sender: WebSocket | undefined;
let lastFrameAt = 0;
let subscribeRetries = 0;

function onFrame(data: WebSocket.RawData) {
  lastFrameAt = monoMs();
  const text = String(data);
  const frame = JSON.parse(text) as { type?: string };
  if (frame.type !== 'event') return;
  for (const marker of new Set(text.match(MARKER) ?? [])) {
    const list = arrivals.get(marker) ?? [];
    list.push(lastFrameAt);
    arrivals.set(marker, list);
    const waiter = waiters.get(marker);
    if (waiter && list.length >= waiter.count) waiter.resolve();
  }
}

/** Until `marker` reached `count` subscribers; resolves with the arrival times. */
function arrivalsOf(marker: string, count: number, timeoutMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(marker);
      resolve(arrivals.get(marker) ?? []);
    };
    const timer = setTimeout(() => {
      waiters.delete(marker);
      reject(new Error(`${marker}: ${arrivals.get(marker)?.length ?? 0} of ${count} in time`));
    }, timeoutMs);
    if ((arrivals.get(marker)?.length ?? 0) >= count) return done();
    waiters.set(marker, { count, resolve: done });
  });
}

/** From `trigger` until every subscriber holds the event frame carrying `marker`, in ms. */
async function timedFanOut(marker: string, timeoutMs: number, trigger: () => Promise<void>) {
  await settle();
  const started = monoMs();
  const arrived = arrivalsOf(marker, subscribers.length, timeoutMs);
  await trigger();
  const times = await arrived;
  const last = Math.max(...times.slice(0, subscribers.length));
  arrivals.delete(marker);
  return last - started;
}

let direct: { endpoint: string; store: DynamoConnectionStore; lambda: LambdaClient } | undefined;
const local = { region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' } };

function directClients(args: DirectFanOutArgs) {
  if (direct?.endpoint !== args.invokeEndpoint) {
    const dynamo = new DynamoDBClient({ ...local, endpoint: args.dynamoEndpoint });
    direct = {
      endpoint: args.invokeEndpoint,
      store: new DynamoConnectionStore(dynamo, args.stateTable),
      lambda: new LambdaClient({ ...local, endpoint: args.invokeEndpoint }),
    };
  }
  return direct;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Until no frame has arrived for `quietMs` (delivery frames of the last run still landing). */
async function settle(quietMs = 500, capMs = 30_000) {
  const started = monoMs();
  while (monoMs() - lastFrameAt < quietMs && monoMs() - started < capMs) await sleep(50);
}

servePeer(
  {
    /** Open subscribers until `total` are subscribed to `bridge`, `parallel` at a time. */
    subscribe: async ({ wsUrl, bridge, total, parallel = 32, sub }: SubscribeArgs) => {
      if (!sender) {
        sender = await open(wsUrl, SENDER_SUB);
        sender.on('message', (data) => {
          if (String(data).includes('"type":"error"')) console.error(`sender: ${String(data)}`);
        });
      }
      while (subscribers.length < total) {
        const batch = Math.min(parallel, total - subscribers.length);
        const opened = await Promise.all(
          Array.from({ length: batch }, async (_, i) => {
            const socket = await open(wsUrl, sub ?? `sub-${subscribers.length + i}`);
            await subscribe(socket, bridge, () => (subscribeRetries += 1));
            socket.on('message', onFrame);
            return socket;
          }),
        );
        subscribers.push(...opened);
      }
      return { subscribed: subscribers.length, retries: subscribeRetries };
    },

    /**
     * Post Gitple webhooks at a steady rate (open loop: each at its scheduled time, whatever
     * the previous ones are doing), then wait for every subscriber and provider to get each.
     */
    steady: async ({ httpUrl, rate, durationMs, runId }: SteadyArgs): Promise<SteadyResult> => {
      const count = Math.round((durationMs / 1000) * rate);
      const intervalMs = 1000 / rate;
      const posted: { marker: string; at: number; status?: number }[] = [];
      const responses: Promise<void>[] = [];
      const failures: SteadyResult['failures'] = {};
      const noteFailure = (status: number, body: string) => {
        const seen = (failures[status] ??= { count: 0, body: body.slice(0, 200) });
        seen.count += 1;
      };
      let lateMs = 0;
      const start = monoMs() + 50;
      for (let i = 0; i < count; i += 1) {
        const due = start + i * intervalMs;
        const wait = due - monoMs();
        if (wait > 0) await sleep(wait);
        lateMs = Math.max(lateMs, monoMs() - due);
        const marker = `mk${runId}x${i}`;
        const entry: { marker: string; at: number; status?: number } = { marker, at: monoMs() };
        posted.push(entry);
        responses.push(
          fetch(`${httpUrl}/webhooks/gitple?key=${GITPLE_KEY}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(gitpleMessage(runId * 100_000 + i, marker)),
          }).then(
            async (response) => {
              entry.status = response.status;
              const body = await response.text();
              if (response.status !== 200) noteFailure(response.status, body);
            },
            (error: unknown) => {
              entry.status = 0;
              noteFailure(0, String(error));
            },
          ),
        );
      }
      await Promise.all(responses);
      // Wait for the stragglers while they keep coming; give up after 30 s without progress
      // or 5 minutes in all (a backlog that long is the finding, not worth waiting out).
      const drainUntil = monoMs() + 300_000;
      const outstanding = () =>
        posted.reduce(
          (sum, { marker, status }) =>
            status !== 200
              ? sum
              : sum +
                Math.max(0, subscribers.length - (arrivals.get(marker)?.length ?? 0)) +
                Object.values(proxies).filter((p) => !p.arrivals.has(marker)).length,
          0,
        );
      let left = outstanding();
      let progressAt = monoMs();
      while (left > 0 && monoMs() - progressAt < 30_000 && monoMs() < drainUntil) {
        await sleep(100);
        const now = outstanding();
        if (now < left) progressAt = monoMs();
        left = now;
      }
      const subscriberMs: number[] = [];
      const providerMs: Record<string, number[]> = {};
      let missingFrames = 0;
      let missingProviderCopies = 0;
      for (const { marker, at } of posted) {
        const times = (arrivals.get(marker) ?? []).slice(0, subscribers.length);
        missingFrames += subscribers.length - times.length;
        for (const t of times) subscriberMs.push(t - at);
        arrivals.delete(marker);
        for (const [name, proxy] of Object.entries(proxies)) {
          const first = proxy.arrivals.get(marker)?.[0];
          if (first === undefined) missingProviderCopies += 1;
          else (providerMs[name] ??= []).push(first - at);
        }
      }
      const serviceMs = Object.values(proxies).flatMap((p) => p.serviceMs.splice(0));
      return {
        posted: posted.length,
        failedPosts: posted.filter((p) => p.status !== 200).length,
        failures,
        scheduleLateMaxMs: lateMs,
        subscriberMs,
        providerMs,
        providerServiceMs: serviceMs,
        missingFrames,
        missingProviderCopies,
      };
    },

    /** One frame from the sender connection; ms until every subscriber holds the event. */
    fanOut: ({ frame, marker, timeoutMs = 120_000 }: FanOutArgs) =>
      timedFanOut(marker, timeoutMs, async () => sender!.send(JSON.stringify(frame))),

    /** The direct-post baseline (DirectFanOutArgs), timed the same way. */
    directFanOut: (args: DirectFanOutArgs) =>
      timedFanOut(args.marker, args.timeoutMs ?? 120_000, async () => {
        const { store, lambda } = directClients(args);
        const connectionIds = await store.subscribers(args.bridge);
        const frame = JSON.stringify({
          type: 'event',
          event: { id: `direct-${args.marker}`, data: { message: { text: args.marker } } },
        });
        const page = { bridgeId: args.bridge, connectionIds, frame };
        const answer = await lambda.send(
          new InvokeCommand({ FunctionName: 'FanOut', Payload: Buffer.from(JSON.stringify(page)) }),
        );
        if (answer.FunctionError) throw new Error(`FanOut failed: ${answer.FunctionError}`);
      }),

    /** Close every client, for the next runtime. */
    reset: async () => {
      for (const socket of [...subscribers.splice(0), sender]) socket?.terminate();
      sender = undefined;
      direct = undefined;
      arrivals.clear();
      return null;
    },
  },
  async () => {
    for (const socket of [...subscribers, sender]) socket?.terminate();
    await Promise.all([
      ...Object.values(proxies).map((p) => p.close()),
      gitple.close(),
      pingstreams.close(),
      tiger.close(),
    ]);
  },
);

process.send?.({
  ready: {
    GITPLE_HOST: proxies.gitple!.url,
    PINGSTREAMS_API_URL: proxies.pingstreams!.url,
    ...tiger.env,
    TIGERCONNECT_API_URL: proxies.tigerconnect!.url,
  },
});
