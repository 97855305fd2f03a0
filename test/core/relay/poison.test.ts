import { describe, expect, it } from 'vitest';
import { relayBatch, type DeliveryRecord } from '../../../functions/core/relay';
import { batchRecord, gitpleMessage, relayWorld } from '../../support/relay-world';

/** DynamoDB refuses a whole BatchGetItem when any sort key is over 1,024 bytes. */
function refuseLongKeys(world: ReturnType<typeof relayWorld>) {
  const getDeliveries = world.state.getDeliveries.bind(world.state);
  world.state.getDeliveries = async (keys) => {
    if (keys.some((k) => Buffer.byteLength(k.target) > 1024))
      throw new Error('ValidationException: Aggregated size of all range keys has exceeded');
    return getDeliveries(keys);
  };
}

describe('a poison record', () => {
  it('with a key too long for the store does not hold up the ordinary records beside it', async () => {
    const world = relayWorld();
    refuseLongKeys(world);
    const long = 'x'.repeat(1100);
    const poison = batchRecord(gitpleMessage('p', long, `gitple#${long}`), 1);
    const ordinary = Array.from({ length: 10 }, (_, n) =>
      batchRecord(gitpleMessage(String(n)), n + 2),
    );

    const failures = await relayBatch([poison, ...ordinary], world.deps);

    expect(failures).toEqual([]);
    expect(world.ivs.sent.map((s) => s.message.marker.originMessageId)).toEqual(
      ordinary.map((r) => r.input.event.data.message!.id),
    );
  });

  it('that keeps failing is parked whole before the stream gives up on it, and reported done', async () => {
    const world = relayWorld();
    world.deps.streamRetryAttempts = 4;
    const put = world.state.putDelivery.bind(world.state);
    world.state.putDelivery = async (record: DeliveryRecord, copy) => {
      if (record.target.startsWith('ivs#')) throw new Error('ItemCollectionSizeLimitExceeded');
      return put(record, copy);
    };
    const event = gitpleMessage('1');
    const batch = [batchRecord(event, 1), batchRecord(gitpleMessage('2'), 2)];

    // The stream brings the batch back until the relay reports it done.
    const answers: string[][] = [];
    while (answers.length < 6 && answers.at(-1)?.length !== 0)
      answers.push(await relayBatch(batch, world.deps));

    expect(answers).toEqual([['1'], ['1'], ['1'], []]);
    expect(world.deadLetters.letters.map((l) => [l.event.id, l.target.provider])).toEqual([
      [event.id, 'ivs'],
      ['gitple-room-7-2', 'ivs'],
    ]);
    // Nothing reached IVS (its state could not be written), the other targets once each.
    expect(world.ivs.calls).toHaveLength(0);
    expect(world.pingstreams.sent).toHaveLength(2);
    expect(world.tiger.sent).toHaveLength(2);
  });
});
