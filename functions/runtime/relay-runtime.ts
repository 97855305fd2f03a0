import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ConnectionStore } from '../core/connections';
import type { CommonEvent } from '../core/event';
import type { OutboundAdapter } from '../core/outbound';
import type { ProviderName } from '../core/providers';
import type { DeadLetterQueue, RelayDeps } from '../core/relay';
import {
  ApiGatewayBroadcaster,
  createManagementClient,
  DEFAULT_PAGED_FAN_OUT,
  type FanOutOptions,
  type PagedFanOut,
} from '../infra/api-gateway-broadcaster';
import { LambdaPageDispatcher } from '../infra/fan-out-pages';
import { positiveIntEnv, requireEnv } from './config';
import { fanOutOptionsOf } from './fan-out-runtime';
import { DynamoConnectionStore } from '../infra/dynamo-connections';
import { DynamoRelayState } from '../infra/dynamo-relay-state';
import { DynamoSendOrderStore } from '../infra/dynamo-send-order';
import { LearnedGrace, type SendOrderStore } from '../core/send-order';
import { getRuntime, type Runtime } from './runtime';
import type { SecretValues } from '../core/secrets';
import { SqsDeadLetterQueue } from '../infra/sqs-dead-letters';

/** What the relay and the WebSocket handlers need on top of the ingest runtime. */
export interface RelayRuntime {
  base: Runtime;
  state: DynamoRelayState;
  connections: ConnectionStore;
  /** The ordering gate of `send` frames (ws-message). */
  sendOrder: SendOrderStore;
  /** What this container learned of how late sends register (the gate's grace). */
  sendGrace: LearnedGrace;
  broadcaster: ApiGatewayBroadcaster;
  deadLetters: DeadLetterQueue;
  fanOut: FanOutOptions;
  /** Accepted sends whose record could not be written, for the stream's retry. */
  unrecorded: NonNullable<RelayDeps['unrecorded']>;
  /** Channels portals created that this container knows exist. */
  createdChannels: NonNullable<RelayDeps['createdChannels']>;
  adapters(secrets: SecretValues): Partial<Record<ProviderName, OutboundAdapter>>;
}

export function createRelayRuntime(
  base: Runtime,
  overrides: Partial<RelayRuntime> = {},
): RelayRuntime {
  const { env } = base;
  const stateTable = requireEnv(env, 'STATE_TABLE');
  const fanOut = fanOutOptionsOf(env);
  const connections = overrides.connections ?? new DynamoConnectionStore(base.dynamo, stateTable);
  // Adapters hold warm sockets and token caches: one set per container, rebuilt only when
  // the secrets change (a rotation).
  let cached:
    { secrets: SecretValues; adapters: Partial<Record<ProviderName, OutboundAdapter>> } | undefined;
  return {
    base,
    fanOut,
    unrecorded: overrides.unrecorded ?? new Map(),
    createdChannels: overrides.createdChannels ?? new Set(),
    state: overrides.state ?? new DynamoRelayState(base.dynamo, stateTable),
    connections,
    sendOrder: overrides.sendOrder ?? new DynamoSendOrderStore(base.dynamo, stateTable),
    sendGrace: overrides.sendGrace ?? new LearnedGrace(),
    broadcaster:
      overrides.broadcaster ??
      new ApiGatewayBroadcaster(
        connections,
        createManagementClient(requireEnv(env, 'WS_MANAGEMENT_ENDPOINT'), fanOut),
        base.log,
        fanOut,
        pagedFanOutOf(env),
      ),
    deadLetters:
      overrides.deadLetters ??
      new SqsDeadLetterQueue(new SQSClient({}), requireEnv(env, 'DEAD_LETTER_QUEUE_URL')),
    adapters:
      overrides.adapters ??
      ((secrets) => {
        if (cached?.secrets !== secrets)
          cached = { secrets, adapters: base.providers.outboundAdapters(secrets) };
        return cached.adapters;
      }),
  };
}

/**
 * Paging past one invocation, when FANOUT_FUNCTION_NAME names the FanOut function (the relay's
 * wiring sets it on AWS, the local runtime sets it too); without it every post is made here.
 */
function pagedFanOutOf(env: NodeJS.ProcessEnv): PagedFanOut | undefined {
  const functionName = env.FANOUT_FUNCTION_NAME;
  if (!functionName) return undefined;
  return {
    threshold: positiveIntEnv(env, 'FANOUT_PAGE_THRESHOLD', DEFAULT_PAGED_FAN_OUT.threshold),
    pageSize: positiveIntEnv(env, 'FANOUT_PAGE_SIZE', DEFAULT_PAGED_FAN_OUT.pageSize),
    // The SDK reads AWS_ENDPOINT_URL_LAMBDA itself: the local runtime's Invoke API.
    dispatcher: new LambdaPageDispatcher(new LambdaClient({ maxAttempts: 2 }), functionName),
  };
}

let current: RelayRuntime | undefined;

/** The relay runtime on top of the current base runtime, rebuilt when that one is replaced. */
export function getRelayRuntime(): RelayRuntime {
  const base = getRuntime();
  if (current?.base !== base) current = createRelayRuntime(base);
  return current;
}

export function setRelayRuntime(runtime: RelayRuntime | undefined): void {
  current = runtime;
}

/** The relay core's dependencies for one invocation (a stream batch or a replay run). */
export async function relayDepsFor(
  runtime: RelayRuntime,
  options: Pick<RelayDeps, 'deadline' | 'streamRetryAttempts'> & {
    subjects?: readonly string[];
  } = {},
): Promise<RelayDeps> {
  const secrets = await runtime.base.secrets.load();
  const { rules } = runtime.base;
  return {
    // The batch's subjects: a bridge a rule opened moments ago is loaded, not missed.
    bridges: await runtime.base.bridgeSource.current(options.subjects),
    adapters: runtime.adapters(secrets),
    state: runtime.state,
    broadcaster: runtime.broadcaster.forBatch(),
    deadLetters: runtime.deadLetters,
    metrics: runtime.base.metrics,
    log: runtime.base.log,
    unrecorded: runtime.unrecorded,
    createdChannels: runtime.createdChannels,
    // The rules that close a bridge decide when its created channels close too.
    ...(rules && { closes: (event: CommonEvent) => rules.closes(event) }),
    ...(options.deadline !== undefined && { deadline: options.deadline }),
    ...(options.streamRetryAttempts !== undefined && {
      streamRetryAttempts: options.streamRetryAttempts,
    }),
  };
}
