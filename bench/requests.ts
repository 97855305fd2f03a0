/**
 * DynamoDB requests the bridge makes per inbound event (new and duplicate) and per relayed
 * message, counted on the real client against the embedded server. With `cacheTtlMs` the
 * bridges come from the bridges table through the handlers' cache (seeded from the file, as
 * on start), each delivery and the relay batch taking a snapshot at entry as the handlers do;
 * without it, from the file alone.
 */
import { readFileSync } from 'node:fs';
import type { CommonEvent } from '../functions/core/event';
import { ingestNormalized } from '../functions/core/ingest';
import { createLogger } from '../functions/core/log';
import type { Bridges } from '../functions/core/bridges';
import { CachedBridgeSource } from '../functions/core/bridge-source';
import { DynamoBridgeStore } from '../functions/infra/dynamo-bridge-store';
import { parseBridges } from '../functions/runtime/bridges-file';
import { channelKey } from '../functions/core/providers';
import { relayBatch } from '../functions/core/relay';
import { seedBridges } from '../functions/runtime/seed-bridges';
import { memoryMetrics } from '../functions/infra/emf-metrics';
import {
  ApiGatewayBroadcaster,
  createManagementClient,
} from '../functions/infra/api-gateway-broadcaster';
import { DynamoConnectionStore } from '../functions/infra/dynamo-connections';
import { DynamoEventStore } from '../functions/infra/dynamo-event-store';
import { DynamoRelayState } from '../functions/infra/dynamo-relay-state';
import { startEmbeddedDynamo } from '../local/dynamo/embedded-dynamo';
import { RecordingAdapter } from '../test/support/relay-world';

export interface RequestCounts {
  perNewEvent: number;
  perDuplicate: number;
  perRelayedMessage: number;
  targets: number;
  breakdown: Record<string, number>;
  /** Time to take a bridges snapshot at an invocation's entry, in ms (table-backed only). */
  snapshotMs?: { coldLoad: number; p50: number; max: number };
}

export async function benchRequests(
  messages = 50,
  options: { cacheTtlMs?: number } = {},
): Promise<RequestCounts> {
  const dynamo = await startEmbeddedDynamo({ tablePrefix: `bench-req-${Date.now()}` });
  const counts: string[] = [];
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'count' },
  );
  const fileBridges = parseBridges(JSON.parse(readFileSync('bridges.json', 'utf8')));
  const timings: number[] = [];
  let coldLoad = 0;
  let snapshot: (subjects?: string[]) => Promise<Bridges> = async () => fileBridges;
  if (options.cacheTtlMs !== undefined) {
    const table = new DynamoBridgeStore(dynamo.client, dynamo.tableNames.BRIDGES_TABLE!);
    await seedBridges(table, fileBridges);
    const source = new CachedBridgeSource(table, { ttlMs: options.cacheTtlMs });
    const started = performance.now();
    await source.current(); // the container's cold load: once, not per message
    coldLoad = performance.now() - started;
    snapshot = async (subjects) => {
      const at = performance.now();
      const bridges = await source.current(subjects);
      timings.push(performance.now() - at);
      return bridges;
    };
  }
  const log = createLogger({}, { level: 'error' });
  const metrics = memoryMetrics();
  const store = new DynamoEventStore({
    client: dynamo.client,
    tableName: dynamo.tableNames.EVENTS_TABLE!,
    retentionDays: 30,
  });
  const deps = { store, botIdentities: { of: async () => [] }, metrics, log };
  const drafts = Array.from({ length: messages }, (_, i) => ({
    type: 'chat.message.created' as const,
    channel: { id: 'room-7' },
    occurredAt: Date.now(),
    identity: ['room-7', String(i)],
    sender: { id: 'user-42' },
    message: { id: String(i), text: `message ${i}`, attachments: [] },
  }));
  try {
    counts.length = 0;
    for (const draft of drafts)
      await ingestNormalized(
        'gitple',
        { events: [draft], ignored: [] },
        {},
        { ...deps, bridges: await snapshot() },
      );
    const perNewEvent = counts.length / messages;
    counts.length = 0;
    for (const draft of drafts)
      await ingestNormalized(
        'gitple',
        { events: [draft], ignored: [] },
        {},
        { ...deps, bridges: await snapshot() },
      );
    const perDuplicate = counts.length / messages;

    const page = await store.listEvents('support', { limit: messages });
    const state = new DynamoRelayState(dynamo.client, dynamo.tableNames.STATE_TABLE!);
    const connections = new DynamoConnectionStore(dynamo.client, dynamo.tableNames.STATE_TABLE!);
    counts.length = 0;
    await relayBatch(
      page.items.map((item, i) => ({
        itemIdentifier: String(i),
        partitionKey: channelKey('gitple', 'room-7'),
        input: { event: item.event as CommonEvent, echo: false, cursor: item.cursor },
      })),
      {
        bridges: await snapshot(['support']),
        adapters: {
          ivs: new RecordingAdapter('ivs'),
          pingstreams: new RecordingAdapter('pingstreams'),
          tigerconnect: new RecordingAdapter('tigerconnect'),
        },
        state,
        // The relay's own per-batch broadcaster, with no connections to push to.
        broadcaster: new ApiGatewayBroadcaster(
          connections,
          createManagementClient('http://127.0.0.1:9'),
          log,
        ).forBatch(),
        deadLetters: { park: async () => undefined },
        metrics,
        log,
      },
    );
    const breakdown: Record<string, number> = {};
    for (const name of counts) breakdown[name] = (breakdown[name] ?? 0) + 1 / messages;
    return {
      perNewEvent,
      perDuplicate,
      perRelayedMessage: counts.length / messages,
      targets: 3,
      breakdown,
      ...(timings.length > 0 && {
        snapshotMs: {
          coldLoad,
          p50: [...timings].sort((a, b) => a - b)[Math.floor(timings.length / 2)]!,
          max: Math.max(...timings),
        },
      }),
    };
  } finally {
    await dynamo.close();
  }
}
