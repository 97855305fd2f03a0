import { describe, expect, it } from 'vitest';
import { relayBatch, type Broadcaster } from '../../../functions/core/relay';
import {
  batchRecord,
  gitpleMessage,
  relayWorld,
  traceStateWrites,
} from '../../support/relay-world';

describe('a relay batch', () => {
  it("starts reading the bridge's subscribers while the delivery records are still being read", async () => {
    // Prepare: the delivery read waits until released; the broadcaster notes each prefetch.
    const world = relayWorld();
    let releaseRead!: () => void;
    const readHeld = new Promise<void>((resolve) => (releaseRead = resolve));
    const getDeliveries = world.state.getDeliveries.bind(world.state);
    world.state.getDeliveries = async (keys) => {
      await readHeld;
      return getDeliveries(keys);
    };
    const prefetched: string[][] = [];
    const broadcaster = world.deps.broadcaster;
    world.deps.broadcaster = {
      broadcast: (...args) => broadcaster.broadcast(...args),
      prefetch: (bridgeIds) => prefetched.push([...bridgeIds]),
    } satisfies Broadcaster;

    // Act
    const relayed = relayBatch(
      [batchRecord(gitpleMessage('1'), 1), batchRecord(gitpleMessage('2'), 2)],
      world.deps,
    );
    await new Promise((resolve) => setImmediate(resolve));

    // Assess: asked once for the one bridge, before the read came back.
    expect(prefetched).toEqual([['support']]);
    releaseRead();
    expect(await relayed).toEqual([]);
  });

  it('stores the provider intents before it pushes the event to the clients', async () => {
    const world = relayWorld();
    const trail: string[] = [];
    traceStateWrites(world, trail);
    const broadcaster = world.deps.broadcaster;
    world.deps.broadcaster = {
      broadcast: (bridgeId, frame, audience) => {
        trail.push(`push ${frame.type}`);
        return broadcaster.broadcast(bridgeId, frame, audience);
      },
    };

    expect(await relayBatch([batchRecord(gitpleMessage('1'), 1)], world.deps)).toEqual([]);

    const firstPush = trail.indexOf('push event');
    expect(firstPush).toBeGreaterThan(-1);
    const intents = trail.filter((step) => step.startsWith('sending '));
    expect(intents.length).toBeGreaterThan(0);
    for (const intent of intents) expect(trail.indexOf(intent)).toBeLessThan(firstPush);
  });
});
