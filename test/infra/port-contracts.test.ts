import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionStore } from '../../functions/core/connections';
import { ValidationError } from '../../functions/core/errors';
import type { CommonEvent } from '../../functions/core/event';
import {
  MemoryConnectionStore,
  MemoryEventStore,
  MemoryRelayState,
} from '../../functions/core/memory';
import type { EventStore } from '../../functions/core/ports';
import { channelKey } from '../../functions/core/providers';
import type { DeliveryRecord, MessageRef, RelayState } from '../../functions/core/relay';
import { DynamoConnectionStore } from '../../functions/infra/dynamo-connections';
import { DynamoEventStore, SETTLE_MS } from '../../functions/infra/dynamo-event-store';
import { DynamoRelayState } from '../../functions/infra/dynamo-relay-state';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynamo/embedded-dynamo';

/**
 * The in-memory ports the core tests run on must keep the DynamoDB adapters' contracts: the
 * same assertions run against both, so neither can drift from the other unnoticed.
 */
let dynamo: EmbeddedDynamo;
const requests: string[] = [];
beforeAll(async () => {
  dynamo = await startEmbeddedDynamo({ tablePrefix: `contract-${process.pid}-${Date.now()}` });
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
});
afterAll(() => dynamo.close());

interface Ports {
  events(now: () => number): EventStore;
  state(): RelayState;
  connections(): ConnectionStore;
}

const IMPLEMENTATIONS: [string, Ports][] = [
  [
    'in memory',
    {
      events: (now) => new MemoryEventStore(now),
      state: () => new MemoryRelayState(),
      connections: () => new MemoryConnectionStore(),
    },
  ],
  [
    'DynamoDB (dynalite)',
    {
      events: (now) =>
        new DynamoEventStore({
          client: dynamo.client,
          tableName: dynamo.tableNames.EVENTS_TABLE!,
          retentionDays: 30,
          now,
        }),
      state: () => new DynamoRelayState(dynamo.client, dynamo.tableNames.STATE_TABLE!),
      connections: () => new DynamoConnectionStore(dynamo.client, dynamo.tableNames.STATE_TABLE!),
    },
  ],
];

/** Each test works in its own namespace: both stores of a run share one database. */
let run = 0;
const fresh = () => `t${++run}-${Math.random().toString(36).slice(2, 8)}`;

function message(id: string, subject: string, channel = 'room-7'): CommonEvent {
  return {
    specversion: '1.0',
    id,
    source: 'chat-bridge/gitple',
    type: 'chat.message.created',
    subject,
    time: '2026-01-01T00:00:00.000Z',
    datacontenttype: 'application/json',
    data: {
      provider: 'gitple',
      channel: { id: channel },
      message: { id, text: `text of ${id}`, attachments: [] },
    },
  };
}

const ids = (page: { items: { event: CommonEvent }[] }) => page.items.map((i) => i.event.id);

describe.each(IMPLEMENTATIONS)('event store contract: %s', (_name, ports) => {
  // Each reading of the clock is a settle period after the last one: every event a read sees
  // has settled, so cursors are exact (fresh ones are held at the settle horizon; its own test).
  const ticking = () => {
    let clock = Date.parse('2026-01-01T00:00:00.000Z');
    return () => (clock += SETTLE_MS + 1);
  };

  it('stores an event once per channel: a redelivery is a duplicate, another channel is not', async () => {
    const ns = fresh();
    const store = ports.events(ticking());
    const event = message(`${ns}-e1`, ns);
    const stored = { event, channelKey: channelKey('gitple', `${ns}-a`), echo: false, raw: {} };

    expect(await store.putEvent(stored)).toBe('created');
    expect(await store.putEvent(stored)).toBe('duplicate');
    expect(await store.putEvent({ ...stored, channelKey: channelKey('gitple', `${ns}-b`) })).toBe(
      'created',
    );
  });

  it('lists a subject in store order without echoes, paging strictly after the cursor', async () => {
    const ns = fresh();
    const store = ports.events(ticking());
    const key = channelKey('gitple', ns);
    // Ids out of alphabetical order: the page follows store order, not the id.
    for (const [id, echo] of [
      ['c', false],
      ['a', false],
      ['echo', true],
      ['b', false],
    ] as const) {
      await store.putEvent({ event: message(`${ns}-${id}`, ns), channelKey: key, echo, raw: {} });
    }
    await store.putEvent({
      event: message(`${ns}-other`, `${ns}-other-bridge`),
      channelKey: key,
      echo: false,
      raw: {},
    });

    const first = await store.listEvents(ns, { limit: 2 });
    expect(ids(first)).toEqual([`${ns}-c`, `${ns}-a`]);
    expect(first.next).toBe(first.items[1]!.cursor);
    const rest = await store.listEvents(ns, { after: first.next, limit: 2 });
    expect(ids(rest)).toEqual([`${ns}-b`]);
    expect(rest.next).toBeUndefined();
    const afterFirst = await store.listEvents(ns, { after: first.items[0]!.cursor, limit: 10 });
    expect(ids(afterFirst)).toEqual([`${ns}-a`, `${ns}-b`]);
    expect(afterFirst.next).toBeUndefined();
    // A page stopped by its limit hands out a cursor even when nothing follows it.
    const full = await store.listEvents(ns, { limit: 3 });
    expect(full.next).toBe(full.items[2]!.cursor);
    expect((await store.listEvents(ns, { after: full.next, limit: 3 })).items).toEqual([]);
  });

  it('refuses a cursor it never issued, naming `after`', async () => {
    const store = ports.events(ticking());

    const refused = await store.listEvents(fresh(), { after: 'bm90LWEtY3Vyc29y', limit: 5 }).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ field: 'after' });
  });
});

describe.each(IMPLEMENTATIONS)('relay state contract: %s', (_name, ports) => {
  const record = (eventId: string, target: string, status: DeliveryRecord['status']) => ({
    eventId,
    target,
    status,
    attempts: 1,
    detail: `${status} once`,
    updatedAt: '2026-01-01T00:00:00.000Z',
  });

  it('keeps the latest delivery record and reads many in one call', async () => {
    const ns = fresh();
    const state = ports.state();
    const target = channelKey('ivs', `${ns}-room`);

    expect(await state.getDelivery(`${ns}-e1`, target)).toBeUndefined();
    await state.putDelivery(record(`${ns}-e1`, target, 'retrying'));
    await state.putDelivery(record(`${ns}-e1`, target, 'delivered'));
    await state.putDelivery(record(`${ns}-e2`, target, 'skipped'));

    expect(await state.getDelivery(`${ns}-e1`, target)).toEqual(
      record(`${ns}-e1`, target, 'delivered'),
    );
    const many = await state.getDeliveries([
      { eventId: `${ns}-e1`, target },
      { eventId: `${ns}-e2`, target },
      { eventId: `${ns}-never`, target },
    ]);
    expect([...many.keys()].sort()).toEqual([`${ns}-e1|${target}`, `${ns}-e2|${target}`].sort());
    expect(many.get(`${ns}-e2|${target}`)?.status).toBe('skipped');
  });

  it('keeps what a delivery after an unknown outcome must remember: since when, and the duplicate flag', async () => {
    const ns = fresh();
    const state = ports.state();
    const target = channelKey('gitple', `${ns}-room`);
    const looking = {
      ...record(`${ns}-e1`, target, 'retrying'),
      notBefore: '2026-01-01T00:00:05.000Z',
      outcomeUnknownSince: '2025-12-31T23:59:50.000Z',
    };
    const resent = { ...record(`${ns}-e2`, target, 'delivered'), mayDuplicate: true };

    await state.putDelivery(looking);
    await state.putDelivery(resent);

    expect(await state.getDelivery(`${ns}-e1`, target)).toEqual(looking);
    expect(await state.getDelivery(`${ns}-e2`, target)).toEqual(resent);
  });

  it('maps a copy to its origin and the origin to its copy per target channel', async () => {
    const ns = fresh();
    const state = ports.state();
    const origin: MessageRef = { provider: 'gitple', channel: `${ns}-room`, messageId: 'm1' };
    const copy: MessageRef = { provider: 'ivs', channel: `${ns}-ivs`, messageId: 'ivs-1' };

    await state.putDelivery(record(`${ns}-e1`, channelKey('ivs', copy.channel), 'delivered'), {
      origin,
      copy,
    });

    expect(await state.findOrigin(copy)).toEqual(origin);
    expect(await state.findOrigin(origin)).toBeUndefined();
    expect(await state.findCopy(origin, { provider: 'ivs', channel: copy.channel })).toBe('ivs-1');
    expect(await state.findCopy(origin, { provider: 'ivs', channel: 'elsewhere' })).toBeUndefined();
  });

  it('lets one delete event claim a message, again and again, and no other', async () => {
    const ns = fresh();
    const state = ports.state();
    const root: MessageRef = { provider: 'gitple', channel: `${ns}-room`, messageId: 'm1' };

    expect(await state.claimDeletion(root, `${ns}-d1`)).toBe(true);
    expect(await state.claimDeletion(root, `${ns}-d1`)).toBe(true);
    expect(await state.claimDeletion(root, `${ns}-d2`)).toBe(false);
  });
});

describe.each(IMPLEMENTATIONS)('connection store contract: %s', (_name, ports) => {
  it('removes one connection and its subscriptions, and nothing else', async () => {
    const ns = fresh();
    const connections = ports.connections();
    const at = '2026-01-01T00:00:00.000Z';
    await connections.connect({ connectionId: `${ns}-b`, sub: 'bob', connectedAt: at });
    await connections.connect({
      connectionId: `${ns}-a`,
      sub: 'alice',
      name: 'Alice',
      bridges: ['support'],
      connectedAt: at,
    });
    const sub = (id: string) => (id.endsWith('-a') ? 'alice' : 'bob');
    for (const id of [`${ns}-b`, `${ns}-a`]) {
      await connections.subscribe({
        connectionId: id,
        bridgeId: `${ns}-bridge`,
        sub: sub(id),
        deliveries: false,
      });
    }
    await connections.subscribe({
      connectionId: `${ns}-a`,
      bridgeId: `${ns}-other`,
      sub: 'alice',
      deliveries: false,
    });
    // Subscribing again updates the wish for delivery frames.
    await connections.subscribe({
      connectionId: `${ns}-b`,
      bridgeId: `${ns}-bridge`,
      sub: 'bob',
      deliveries: true,
    });

    expect(await connections.get(`${ns}-a`)).toEqual({
      connectionId: `${ns}-a`,
      sub: 'alice',
      name: 'Alice',
      bridges: ['support'],
      connectedAt: at,
    });
    expect(await connections.subscribers(`${ns}-bridge`)).toEqual([`${ns}-a`, `${ns}-b`]);
    expect(await connections.subscriptions(`${ns}-bridge`)).toEqual([
      { connectionId: `${ns}-a`, sub: 'alice', deliveries: false },
      { connectionId: `${ns}-b`, sub: 'bob', deliveries: true },
    ]);
    await connections.remove(`${ns}-a`);

    expect(await connections.subscribers(`${ns}-bridge`)).toEqual([`${ns}-b`]);
    expect(await connections.subscribers(`${ns}-other`)).toEqual([]);
    expect(await connections.get(`${ns}-a`)).toBeUndefined();
    expect(await connections.get(`${ns}-b`)).toMatchObject({ sub: 'bob' });
    await connections.unsubscribe(`${ns}-b`, `${ns}-bridge`);
    expect(await connections.subscribers(`${ns}-bridge`)).toEqual([]);
  });
});

describe('DynamoDB connection store', () => {
  it('finds the connections of a bridge with a Query, never a Scan', async () => {
    const connections = IMPLEMENTATIONS[1]![1].connections();
    await connections.subscribe({
      connectionId: 'conn-q',
      bridgeId: 'scan-check',
      sub: 'q',
      deliveries: false,
    });
    requests.length = 0;

    expect(await connections.subscribers('scan-check')).toEqual(['conn-q']);
    expect(requests).toEqual(['QueryCommand']);
  });
});
