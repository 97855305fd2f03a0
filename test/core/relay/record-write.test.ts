import { describe, expect, it } from 'vitest';
import { relayBatch, type DeliveryRecord } from '../../../functions/core/relay';
import { batchRecord, gitpleMessage, relayWorld } from '../../support/relay-world';

/** Fail the next `times` writes of a settled (not in-flight) IVS delivery record. */
function failResultWrites(world: ReturnType<typeof relayWorld>, times: number) {
  const put = world.state.putDelivery.bind(world.state);
  const failing = { left: times };
  world.state.putDelivery = async (record: DeliveryRecord, copy) => {
    if (record.target.startsWith('ivs#') && record.status === 'delivered' && failing.left > 0) {
      failing.left -= 1;
      throw new Error('ProvisionedThroughputExceededException');
    }
    return put(record, copy);
  };
  return failing;
}

describe('a delivery record that fails to save', () => {
  it('is written again, not the message sent again', async () => {
    const world = relayWorld();
    failResultWrites(world, 2);

    const failures = await relayBatch([batchRecord(gitpleMessage('1'), 1)], world.deps);

    expect(failures).toEqual([]);
    expect(world.ivs.sent).toHaveLength(1);
    expect(world.deadLetters.letters).toHaveLength(0);
    const saved = await world.state.getDelivery(
      world.ivs.sent[0]!.message.marker.eventId,
      'ivs#' + world.ivs.sent[0]!.target.channel,
    );
    expect(saved).toMatchObject({ status: 'delivered', attempts: 1, targetMessageId: 'ivs-msg-1' });
  });

  it('when it never saves, is neither parked as failed nor sent again by the stream’s retry', async () => {
    const world = relayWorld();
    const failing = failResultWrites(world, 100);
    const batch = [batchRecord(gitpleMessage('1'), 1)];

    const first = await relayBatch(batch, world.deps);

    expect(first).toEqual(['1']);
    expect(world.deadLetters.letters).toHaveLength(0);
    expect(world.ivs.sent).toHaveLength(1);
    // The stream retries once the store recovers: the in-flight intent is not sent twice.
    failing.left = 0;
    const retried = await relayBatch(batch, world.deps);
    expect(retried).toEqual([]);
    expect(world.ivs.calls).toHaveLength(1);
    expect(world.deadLetters.letters).toHaveLength(0);
  });

  it('after the relay died during the call (an intent, nothing remembered), sends once more to a target it cannot search, flagged, and counts the outcome unknown', async () => {
    const world = relayWorld();
    const event = gitpleMessage('1');
    const ivsTarget = 'ivs#arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
    await world.state.putDelivery({
      eventId: event.id,
      target: ivsTarget,
      status: 'sending',
      attempts: 1,
      updatedAt: new Date(0).toISOString(),
    });

    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);

    expect(world.ivs.calls).toHaveLength(1);
    expect(await world.state.getDelivery(event.id, ivsTarget)).toMatchObject({
      status: 'delivered',
      attempts: 2,
      mayDuplicate: true,
    });
    expect(world.metrics.counts.get('DeliveriesUnknown|provider=ivs,result=resent')).toBe(1);
  });
});

describe('a lane of several messages to one target', () => {
  it("writes the next message's intent while the previous outcome is written, and calls only after that outcome is stored", async () => {
    // Prepare: every IVS write is logged at its start and end; outcomes take a moment to land.
    const world = relayWorld();
    const put = world.state.putDelivery.bind(world.state);
    const trail: string[] = [];
    const name = (record: DeliveryRecord) => `${record.eventId.split('-').at(-1)} ${record.status}`;
    world.state.putDelivery = async (record: DeliveryRecord, copy) => {
      if (!record.target.startsWith('ivs#')) return put(record, copy);
      trail.push(`start ${name(record)}`);
      if (record.status !== 'sending') await new Promise((resolve) => setTimeout(resolve, 5));
      await put(record, copy);
      trail.push(`end ${name(record)}`);
    };
    const send = world.ivs.send.bind(world.ivs);
    world.ivs.send = async (target, message) => {
      trail.push(`call ${message.marker.eventId.split('-').at(-1)}`);
      return send(target, message);
    };
    const events = ['1', '2', '3'].map((id) => gitpleMessage(id));

    // Act
    const failures = await relayBatch(
      events.map((event, i) => batchRecord(event, i + 1)),
      world.deps,
    );

    // Assess
    expect(failures).toEqual([]);
    const ids = events.map((event) => event.id.split('-').at(-1)!);
    const at = (step: string) => trail.indexOf(step);
    for (const [previous, next] of [
      [ids[0], ids[1]],
      [ids[1], ids[2]],
    ]) {
      expect(at(`start ${next} sending`)).toBeLessThan(at(`end ${previous} delivered`));
      expect(at(`call ${next}`)).toBeGreaterThan(at(`end ${previous} delivered`));
    }
    expect(world.ivs.sent.map((s) => s.message.marker.eventId)).toEqual(events.map((e) => e.id));
  });

  it('never calls for a later message when an earlier outcome cannot be stored', async () => {
    const world = relayWorld();
    failResultWrites(world, 100);
    const events = ['1', '2'].map((id) => gitpleMessage(id));

    const failures = await relayBatch(
      events.map((event, i) => batchRecord(event, i + 1)),
      world.deps,
    );

    expect(failures).toEqual(['1']);
    expect(world.ivs.sent.map((s) => s.message.marker.eventId)).toEqual([events[0]!.id]);
  });
});
