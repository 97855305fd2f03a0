import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CommonEvent } from '../../functions/core/event';
import { createLogger } from '../../functions/core/log';
import {
  MemoryBroadcaster,
  MemoryConnectionStore,
  MemoryDeadLetterQueue,
  MemoryRelayState,
} from '../../functions/core/memory';
import type { OutboundAdapter } from '../../functions/core/outbound';
import { channelKey } from '../../functions/core/providers';
import {
  relayBatch,
  type Broadcaster,
  type ClientFrame,
  type RelayDeps,
} from '../../functions/core/relay';
import { memoryMetrics } from '../../functions/infra/emf-metrics';
import { TEST_BRIDGES } from '../support/bridges';

/** A provider that takes every message. */
const accepting = (provider: string, unavailable?: string): OutboundAdapter => ({
  provider,
  capabilities: () => ({
    send: true,
    edit: false,
    delete: false,
    attachments: true,
    replies: true,
    maxTextLength: 500,
    findSent: false,
  }),
  unavailableReason: () => unavailable,
  send: async () => ({ messageId: `${provider}-1` }),
});

function message(provider: string, channel: string, senderId: string, id: string): CommonEvent {
  return {
    specversion: '1.0',
    id: `${provider}-${id}`,
    source: `chat-bridge/${provider}`,
    type: 'chat.message.created',
    subject: 'support',
    time: '2026-01-01T10:00:00.000Z',
    datacontenttype: 'application/json',
    data: {
      provider,
      channel: { id: channel },
      sender: { id: senderId },
      message: { id, text: `hello ${id}`, attachments: [] },
    },
  };
}

describe('delivery frames go only where they are wanted', () => {
  let connections: MemoryConnectionStore;
  let broadcaster: MemoryBroadcaster;
  let lines: string[];
  let deps: RelayDeps;

  beforeEach(async () => {
    connections = new MemoryConnectionStore();
    broadcaster = new MemoryBroadcaster(connections);
    lines = [];
    const subscribe = (connectionId: string, sub: string, deliveries: boolean) =>
      connections.subscribe({ connectionId, bridgeId: 'support', sub, deliveries });
    await subscribe('erin-tab', 'erin', false);
    await subscribe('frank', 'frank', false);
    await subscribe('console', 'moderator', true);
    deps = {
      bridges: TEST_BRIDGES,
      adapters: {
        ivs: accepting('ivs'),
        pingstreams: accepting('pingstreams'),
        tigerconnect: accepting('tigerconnect'),
        gitple: accepting('gitple', 'gitple is not configured: GITPLE_HOST, GITPLE_APP_ID missing'),
      },
      state: new MemoryRelayState(),
      broadcaster,
      deadLetters: new MemoryDeadLetterQueue(),
      metrics: memoryMetrics(),
      log: createLogger({}, { sink: (line) => void lines.push(line) }),
    };
  });

  const kinds = (connectionId: string) =>
    (broadcaster.inbox.get(connectionId) ?? []).map((f: ClientFrame) =>
      f.type === 'delivery' ? `delivery:${f.target}:${f.status}` : f.type,
    );

  it("sends a bridge user's own message's deliveries to that user and to watchers, the event to all", async () => {
    // Prepare
    const event = message('web', 'support', 'erin', 'm1');

    // Act
    await relayBatch(
      [
        {
          itemIdentifier: '1',
          partitionKey: channelKey('web', 'support'),
          input: { event, echo: false },
        },
      ],
      deps,
    );

    // Assess
    const deliveries = [
      'delivery:gitple:skipped',
      'delivery:ivs:delivered',
      'delivery:pingstreams:delivered',
      'delivery:tigerconnect:delivered',
    ];
    expect(kinds('erin-tab').sort()).toEqual([...deliveries, 'event'].sort());
    expect(kinds('console').sort()).toEqual([...deliveries, 'event'].sort());
    expect(kinds('frank')).toEqual(['event']);
  });

  it("sends a provider user's message's deliveries to watchers only, even when an id matches a bridge user", async () => {
    // Prepare: a Gitple user whose provider id happens to equal a bridge user's `sub`.
    const event = message('pingstreams', 'support-group-x', 'erin', 'm2');

    // Act
    await relayBatch(
      [{ itemIdentifier: '1', partitionKey: 'pingstreams#x', input: { event, echo: false } }],
      deps,
    );

    // Assess
    expect(kinds('erin-tab')).toEqual(['event']);
    expect(kinds('frank')).toEqual(['event']);
    expect(kinds('console').filter((k) => k.startsWith('delivery'))).not.toEqual([]);
  });

  it('shows clients a neutral text for an unconfigured provider, and operators the missing variables', async () => {
    // Prepare
    const event = message('web', 'support', 'erin', 'm3');

    // Act
    await relayBatch(
      [
        {
          itemIdentifier: '1',
          partitionKey: channelKey('web', 'support'),
          input: { event, echo: false },
        },
      ],
      deps,
    );

    // Assess
    const gitple = broadcaster.frames.find((f) => f.type === 'delivery' && f.target === 'gitple');
    expect(gitple).toMatchObject({
      status: 'skipped',
      detail: 'gitple is not configured on this bridge',
    });
    expect(JSON.stringify(broadcaster.frames)).not.toContain('GITPLE_');
    expect(await deps.state.getDelivery(event.id, channelKey('gitple', 'room-7'))).toMatchObject({
      detail: 'gitple is not configured on this bridge',
    });
    expect(lines.some((line) => line.includes('GITPLE_HOST, GITPLE_APP_ID missing'))).toBe(true);
  });
});

describe("an event's delivery frames come after the event itself, and no lane waits for them", () => {
  it('holds the frames of a slow push back, while the providers still get every message', async () => {
    // Prepare: erin (a bridge user) has two tabs subscribed; the push of events to the
    // bridge's clients is held until the test releases it.
    const connections = new MemoryConnectionStore();
    for (const tab of ['erin-tab-1', 'erin-tab-2'])
      await connections.subscribe({
        connectionId: tab,
        bridgeId: 'support',
        sub: 'erin',
        deliveries: false,
      });
    const inner = new MemoryBroadcaster(connections);
    let releasePushes!: () => void;
    const pushesReleased = new Promise<void>((resolve) => (releasePushes = resolve));
    const broadcaster: Broadcaster = {
      broadcast: async (bridgeId, frame, audience) => {
        if (frame.type === 'event') await pushesReleased;
        return inner.broadcast(bridgeId, frame, audience);
      },
    };
    const sent: string[] = [];
    const recording = (provider: string): OutboundAdapter => ({
      ...accepting(provider),
      send: async (_target, outbound) => {
        sent.push(`${provider}:${outbound.marker.eventId}`);
        return { messageId: `${provider}-${sent.length}` };
      },
    });
    const deps: RelayDeps = {
      bridges: TEST_BRIDGES,
      adapters: {
        ivs: recording('ivs'),
        pingstreams: recording('pingstreams'),
        tigerconnect: recording('tigerconnect'),
        gitple: recording('gitple'),
      },
      state: new MemoryRelayState(),
      broadcaster,
      deadLetters: new MemoryDeadLetterQueue(),
      metrics: memoryMetrics(),
      log: createLogger({}, { sink: () => undefined }),
    };
    const events = [
      message('web', 'support', 'erin', 'o1'),
      message('web', 'support', 'erin', 'o2'),
    ];

    // Act: the batch runs while the pushes are held.
    const relayed = relayBatch(
      events.map((event, i) => ({
        itemIdentifier: String(i),
        partitionKey: channelKey('web', 'support'),
        input: { event, echo: false },
      })),
      deps,
    );
    await vi.waitFor(() => expect(sent).toHaveLength(8));
    const framesWhileHeld = [...inner.frames];
    releasePushes();
    await relayed;

    // Assess: both messages reached all four providers with no frame posted yet; then every
    // tab got each event before any of its delivery frames.
    expect(framesWhileHeld).toEqual([]);
    for (const tab of ['erin-tab-1', 'erin-tab-2']) {
      const inbox = inner.inbox.get(tab) ?? [];
      for (const event of events) {
        const mine = inbox.filter(
          (f) => (f.type === 'event' ? f.event.id : f.eventId) === event.id,
        );
        expect(mine.map((f) => f.type)).toEqual([
          'event',
          'delivery',
          'delivery',
          'delivery',
          'delivery',
        ]);
      }
    }
  });
});
