import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../functions/core/errors';
import { relayBatch } from '../../../functions/core/relay';
import { batchRecord, gitpleMessage, relayWorld } from '../../support/relay-world';

const throttled = () => new ProviderError('throttled', 429, { retryAfterMs: 300_000 });

const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
const ivsRecord = (world: ReturnType<typeof relayWorld>, eventId: string) =>
  world.state.getDelivery(eventId, `ivs#${ROOM}`);

describe('Retry-After across invocations', () => {
  it('keeps the provider’s wait between invocations: no call, and no attempt counted, before it ends', async () => {
    const world = relayWorld();
    world.ivs.failures.push(throttled());
    const event = gitpleMessage('1');
    const batch = [batchRecord(event, 1)];
    const fresh = () => (world.deps.deadline = world.clock.now + 60_000);

    fresh();
    expect(await relayBatch(batch, world.deps)).toEqual(['1']);
    expect(world.ivs.calls).toHaveLength(1);
    expect(await ivsRecord(world, event.id)).toMatchObject({
      status: 'retrying',
      attempts: 1,
      notBefore: new Date(1_300_000).toISOString(),
    });

    // The stream brings the record back at once, and again a little later: not due yet.
    for (const later of [2, 60_000]) {
      world.clock.now += later;
      fresh();
      expect(await relayBatch(batch, world.deps)).toEqual(['1']);
    }
    expect(world.ivs.calls).toHaveLength(1);
    expect((await ivsRecord(world, event.id))?.attempts).toBe(1);

    // Once the wait is over the next invocation calls the provider, once.
    world.clock.now = 1_000_000 + 300_000;
    fresh();
    expect(await relayBatch(batch, world.deps)).toEqual([]);
    expect(world.ivs.calls).toEqual([1_000_000, 1_300_000]);
    expect(await ivsRecord(world, event.id)).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(world.deadLetters.letters).toHaveLength(0);
  });

  it('waits in the invocation when what is left of the wait fits', async () => {
    const world = relayWorld();
    world.ivs.failures.push(throttled());
    const batch = [batchRecord(gitpleMessage('1'), 1)];
    world.deps.deadline = world.clock.now + 60_000;
    await relayBatch(batch, world.deps);

    world.clock.now += 290_000;
    world.deps.deadline = world.clock.now + 60_000;
    expect(await relayBatch(batch, world.deps)).toEqual([]);

    expect(world.sleeps).toEqual([10_000]);
    expect(world.ivs.calls).toEqual([1_000_000, 1_300_000]);
  });

  it('parks a wait longer than the stream can hold, with its not-before time, before the stream gives up', async () => {
    const world = relayWorld();
    world.deps.streamRetryAttempts = 3;
    world.ivs.failures.push(throttled());
    const event = gitpleMessage('1');
    const batch = [batchRecord(event, 1)];

    const answers: string[][] = [];
    for (let invocation = 0; invocation < 5; invocation += 1) {
      world.clock.now += 1;
      world.deps.deadline = world.clock.now + 60_000;
      answers.push(await relayBatch(batch, world.deps));
    }

    // Handed back while the stream still has retries to spare, then parked and reported done.
    expect(answers).toEqual([['1'], ['1'], [], [], []]);
    expect(world.ivs.calls).toHaveLength(1);
    expect(world.deadLetters.letters).toHaveLength(1);
    expect(world.deadLetters.letters[0]).toMatchObject({
      event,
      target: { provider: 'ivs' },
      attempts: 1,
      notBefore: new Date(1_000_001 + 300_000).toISOString(),
    });
    expect(world.pingstreams.sent).toHaveLength(1);
  });
});
