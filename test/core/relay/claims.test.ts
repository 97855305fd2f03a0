import { describe, expect, it } from 'vitest';
import { relayBatch, relayTargets, SENDING, targetKey } from '../../../functions/core/relay';
import { RELAY_CLAIM_TARGET } from '../../../functions/core/relay/claims';
import {
  batchRecord,
  gitpleMessage,
  relayWorld,
  traceStateWrites,
} from '../../support/relay-world';

/** The world with every delivery-record write noted as `status target-provider`. */
function recordingWorld() {
  const world = relayWorld();
  const writes: string[] = [];
  traceStateWrites(world, writes);
  const targets = (event: ReturnType<typeof gitpleMessage>) =>
    relayTargets(world.deps.bridges.get('support')!, event).map(targetKey);
  return { world, writes, targets };
}

const providerCalls = (world: ReturnType<typeof relayWorld>) =>
  [world.ivs, world.pingstreams, world.tiger].map((adapter) => adapter.calls.length);

describe("an event's relay claim", () => {
  it('stands for the first attempt to every target: one conditional write, no intent per target', async () => {
    const { world, writes } = recordingWorld();
    const event = gitpleMessage('1');

    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);

    expect(providerCalls(world)).toEqual([1, 1, 1]);
    expect(writes.filter((write) => write.startsWith(SENDING))).toEqual([`${SENDING} relay`]);
    expect(await world.state.getDelivery(event.id, RELAY_CLAIM_TARGET)).toMatchObject({
      status: SENDING,
      attempts: 1,
    });
    // The relay's own claim, read back in the same batch, is not a call in doubt.
    expect(world.metrics.counts.get('DeliveriesUnknown|provider=ivs')).toBeUndefined();
  });

  it('left behind by a relay that died, sends each target without an outcome again and counts it unknown', async () => {
    // Prepare: an earlier invocation claimed the event and recorded only the IVS outcome.
    const { world, targets } = recordingWorld();
    const event = gitpleMessage('1');
    const [ivsTarget] = targets(event);
    const at = new Date(0).toISOString();
    await world.state.putDelivery({
      eventId: event.id,
      target: RELAY_CLAIM_TARGET,
      status: SENDING,
      attempts: 1,
      detail: 'claimed by invocation gone',
      updatedAt: at,
    });
    await world.state.putDelivery({
      eventId: event.id,
      target: ivsTarget!,
      status: 'delivered',
      attempts: 1,
      targetMessageId: 'ivs-earlier',
      updatedAt: at,
    });

    // Act: the stream brings the record back.
    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);

    // Assess
    expect(providerCalls(world)).toEqual([0, 1, 1]);
    expect(world.metrics.counts.get('DeliveriesUnknown|provider=ivs')).toBeUndefined();
    expect(world.metrics.counts.get('DeliveriesUnknown|provider=pingstreams')).toBe(1);
    expect(world.metrics.counts.get('DeliveriesUnknown|provider=tigerconnect')).toBe(1);
    for (const target of targets(event).slice(1)) {
      expect(await world.state.getDelivery(event.id, target)).toMatchObject({
        status: 'delivered',
        attempts: 2,
      });
    }
  });

  it('that cannot be written leaves each target to write its own intent before its call', async () => {
    const { world, writes } = recordingWorld();
    world.state.putDeliveryIfAbsent = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };

    expect(await relayBatch([batchRecord(gitpleMessage('1'), 1)], world.deps)).toEqual([]);

    expect(providerCalls(world)).toEqual([1, 1, 1]);
    expect(writes.filter((write) => write.startsWith(SENDING)).sort()).toEqual(
      [`${SENDING} ivs`, `${SENDING} pingstreams`, `${SENDING} tigerconnect`].sort(),
    );
  });

  it('covers only the first record of a channel: later ones keep their own intents', async () => {
    const { world, writes } = recordingWorld();

    const failures = await relayBatch(
      [batchRecord(gitpleMessage('1'), 1), batchRecord(gitpleMessage('2'), 2)],
      world.deps,
    );

    expect(failures).toEqual([]);
    expect(providerCalls(world)).toEqual([2, 2, 2]);
    expect(writes.filter((write) => write.startsWith(SENDING)).sort()).toEqual(
      [
        `${SENDING} relay`,
        `${SENDING} ivs`,
        `${SENDING} pingstreams`,
        `${SENDING} tigerconnect`,
      ].sort(),
    );
  });
});
