import { describe, expect, it } from 'vitest';
import { Bridges, type Bridge } from '../../../functions/core/bridges';
import type { MemoryBroadcaster } from '../../../functions/core/memory';
import { ProviderError } from '../../../functions/core/errors';
import type { CommonEvent } from '../../../functions/core/event';
import type {
  ChannelCreationRequest,
  DeliveryTarget,
  OutboundMessage,
} from '../../../functions/core/outbound';
import { CHANNEL_CREATION_EVENT } from '../../../functions/core/portals';
import { relayBatch, replayDeadLetter } from '../../../functions/core/relay';
import { batchRecord, RecordingAdapter, relayWorld } from '../../support/relay-world';

const REQUEST = 'support-group-65f1c0ffee0000000000abcd-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b';
const BRIDGE = 'ps-portal-1a2b3c4d5e6f7a8b';
const CREATED = `gitple#${BRIDGE}`;

/** A Gitple stand-in that creates and closes channels, recording each call. */
class ChannelAdapter extends RecordingAdapter {
  created: { channel: string; request: ChannelCreationRequest }[] = [];
  closed: string[] = [];
  creationFailures: Error[] = [];

  async createChannel(target: DeliveryTarget, request: ChannelCreationRequest) {
    const failure = this.creationFailures.shift();
    if (failure) throw failure;
    this.created.push({ channel: target.channel, request });
  }
  async closeChannel(target: DeliveryTarget) {
    this.closed.push(target.channel);
    this.order.push(`close ${target.channel}`);
  }
  /** Sends and closes in the order they reached the provider. */
  order: string[] = [];
  override async send(target: DeliveryTarget, message: OutboundMessage) {
    // A send that takes a while: a close that did not wait for it would overtake it.
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
    const sent = await super.send(target, message);
    this.order.push(`send ${message.text}`);
    return sent;
  }
}

const portal: Bridge = {
  id: BRIDGE,
  channels: [
    { provider: 'pingstreams', channel: REQUEST, direction: 'inout', mode: 'message' },
    {
      provider: 'gitple',
      channel: BRIDGE,
      direction: 'inout',
      mode: 'message',
      create: { name: '{sender} — {channel}', members: ['agent-1', 'agent-2'] },
    },
  ],
  senderFormat: '{sender}: {text}',
  relay: ['chat.message.created', 'chat.message.updated', 'chat.message.deleted'],
};

function requestEvent(n: number, type: CommonEvent['type'] = 'chat.message.created'): CommonEvent {
  return {
    specversion: '1.0',
    id: `ps-${type}-${n}`,
    source: 'chat-bridge/pingstreams',
    type,
    subject: BRIDGE,
    time: '2024-05-02T10:00:05.000Z',
    datacontenttype: 'application/json',
    data: {
      provider: 'pingstreams',
      channel: { id: REQUEST, name: 'Help with order 7' },
      sender: { id: 'visitor-9', displayName: 'Ana' },
      ...(type === 'chat.message.created' && {
        message: { id: `m${n}`, text: `words ${n}`, attachments: [] },
      }),
    },
  };
}

function portalWorld(options: { closed?: boolean } = {}) {
  const world = relayWorld();
  const gitple = new ChannelAdapter('gitple', () => world.clock.now);
  world.deps.adapters = { ...world.deps.adapters, gitple };
  world.deps.bridges = options.closed
    ? new Bridges({ bridges: [] }, [portal])
    : new Bridges({ bridges: [portal] });
  world.deps.createdChannels = new Set();
  world.deps.closes = (event) => event.type === 'chat.channel.frozen' && event.subject === BRIDGE;
  return { ...world, gitple };
}

describe('portal channels in the relay', () => {
  it('creates the channel once, before the first of ten messages, and delivers all ten in order', async () => {
    // Prepare
    const world = portalWorld();
    const batch = Array.from({ length: 10 }, (_, i) => batchRecord(requestEvent(i), i + 1));

    // Act
    const failures = await relayBatch(batch, world.deps);

    // Assess
    expect(failures).toEqual([]);
    expect(world.gitple.created).toEqual([
      {
        channel: BRIDGE,
        request: { name: 'Ana — Help with order 7', members: ['agent-1', 'agent-2'] },
      },
    ]);
    expect(world.gitple.sent.map((s) => s.message.text)).toEqual(
      Array.from({ length: 10 }, (_, i) => `Ana: words ${i}`),
    );
    expect(await world.state.getDelivery(CHANNEL_CREATION_EVENT, CREATED)).toMatchObject({
      status: 'delivered',
    });
  });

  it('a container that did not create it reads the record and makes no second creation call', async () => {
    // Prepare
    const world = portalWorld();
    await relayBatch([batchRecord(requestEvent(1), 1)], world.deps);
    world.deps.createdChannels = new Set();

    // Act
    await relayBatch([batchRecord(requestEvent(2), 2)], world.deps);

    // Assess
    expect(world.gitple.created).toHaveLength(1);
    expect(world.gitple.sent).toHaveLength(2);
  });

  it('retries a failed creation like a delivery, then delivers the first message', async () => {
    // Prepare
    const world = portalWorld();
    world.gitple.creationFailures.push(
      new ProviderError('gitple refused to create the channel: HTTP 503', 503),
      new ProviderError('gitple refused to create the channel: HTTP 503', 503),
    );

    // Act
    const failures = await relayBatch([batchRecord(requestEvent(1), 1)], world.deps);

    // Assess
    expect(failures).toEqual([]);
    expect(world.sleeps).toHaveLength(2);
    expect(world.gitple.created).toHaveLength(1);
    expect(world.gitple.sent.map((s) => s.message.text)).toEqual(['Ana: words 1']);
    expect(await world.state.getDelivery('ps-chat.message.created-1', CREATED)).toMatchObject({
      status: 'delivered',
      attempts: 3,
    });
  });

  it('parks the first message with its event when creation keeps failing, and the replay creates, then delivers', async () => {
    // Prepare
    const world = portalWorld();
    const refused = () => new ProviderError('gitple refused to create the channel: HTTP 503', 503);
    world.gitple.creationFailures.push(...Array.from({ length: 4 }, refused));
    await relayBatch([batchRecord(requestEvent(1), 1)], world.deps);
    const [letter] = world.deadLetters.letters;

    // Act
    const replayed = await replayDeadLetter(letter!, world.deps);

    // Assess
    expect(letter).toMatchObject({
      event: { id: 'ps-chat.message.created-1' },
      target: { provider: 'gitple', channel: BRIDGE, create: { members: ['agent-1', 'agent-2'] } },
      attempts: 4,
    });
    expect(letter?.error).toContain('create the channel');
    expect(replayed.status).toBe('delivered');
    expect(world.gitple.created).toHaveLength(1);
    expect(world.gitple.sent.map((s) => s.message.text)).toEqual(['Ana: words 1']);
  });

  it('closes the created channel on the event that ends the conversation, after the messages before it, even once the bridge is closed', async () => {
    // Prepare
    const world = portalWorld({ closed: true });
    const frozen = requestEvent(3, 'chat.channel.frozen');

    // Act
    const failures = await relayBatch(
      [batchRecord(requestEvent(1), 1), batchRecord(frozen, 2)],
      world.deps,
    );

    // Assess
    expect(failures).toEqual([]);
    expect(world.gitple.order).toEqual(['send Ana: words 1', `close ${BRIDGE}`]);
    expect(await world.state.getDelivery(frozen.id, CREATED)).toMatchObject({
      status: 'delivered',
      detail: 'the conversation ended: channel closed',
    });
    // Only the created channel is closed: the conversation's own channel is not a target.
    expect(world.pingstreams.calls).toHaveLength(0);
    // The bridge's own clients still get both events, the one that closed it included.
    const pushed = (world.deps.broadcaster as MemoryBroadcaster).frames.flatMap((f) =>
      f.type === 'event' ? [f.event.id] : [],
    );
    expect(pushed).toEqual([requestEvent(1).id, frozen.id]);
  });

  it('leaves a created channel open, and says so, where the provider cannot close one', async () => {
    // Prepare
    const world = portalWorld();
    world.deps.adapters.gitple = Object.assign(new RecordingAdapter('gitple'), {
      createChannel: async () => undefined,
    });
    const frozen = requestEvent(3, 'chat.channel.frozen');

    // Act
    await relayBatch([batchRecord(frozen, 1)], world.deps);

    // Assess
    expect(await world.state.getDelivery(frozen.id, CREATED)).toMatchObject({
      status: 'skipped',
      detail: 'gitple cannot close a channel; it stays open',
    });
  });

  it('does not close anything on a channel event that does not end the conversation', async () => {
    // Prepare
    const world = portalWorld();

    // Act
    await relayBatch([batchRecord(requestEvent(3, 'chat.channel.updated'), 1)], world.deps);

    // Assess
    expect(world.gitple.closed).toEqual([]);
    expect(world.gitple.calls).toHaveLength(0);
  });
});
