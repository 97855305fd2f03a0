import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../functions/core/errors';
import type { CommonEvent } from '../../../functions/core/event';
import type { DeliveryTarget, OutboundMessage } from '../../../functions/core/outbound';
import {
  relayBatch,
  replayDeadLetter,
  type ClientFrame,
  type DeliveryRecord,
} from '../../../functions/core/relay';
import { relayMarker } from '../../../functions/core/relay/outbound-message';
import { CLOCK_ALLOWANCE_MS, IN_FLIGHT_MS } from '../../../functions/core/relay/unknown-outcome';
import type { MemoryBroadcaster } from '../../../functions/core/memory';
import { batchRecord, gitpleMessage, LookingAdapter, relayWorld } from '../../support/relay-world';

const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
const IVS: DeliveryTarget = { provider: 'ivs', channel: ROOM, mode: 'message' };
const IVS_KEY = `ivs#${ROOM}`;

/**
 * A relay whose IVS target can be searched, and an event whose IVS send was announced
 * (`sending`) `age` ms ago and never settled: the relay died during the call.
 */
async function interruptedSend(age = 60_000) {
  const world = relayWorld();
  const ivs = new LookingAdapter('ivs', () => world.clock.now);
  world.deps.adapters.ivs = ivs;
  world.deps.deadline = world.clock.now + 120_000;
  const event = gitpleMessage('1');
  const since = new Date(world.clock.now - age).toISOString();
  await world.state.putDelivery({
    eventId: event.id,
    target: IVS_KEY,
    status: 'sending',
    attempts: 1,
    updatedAt: since,
  });
  return { world, ivs, event, since };
}

/** The message the interrupted call carried, as the provider received it. */
const sentCopy = (event: CommonEvent): OutboundMessage => ({
  text: `[gitple] Ana: ${event.data.message!.text}`,
  attachments: [],
  sender: { id: 'user-42', displayName: 'Ana' },
  marker: relayMarker(event),
});

const ivsRecord = (world: ReturnType<typeof relayWorld>, event: CommonEvent) =>
  world.state.getDelivery(event.id, IVS_KEY);
const ivsFrames = (world: ReturnType<typeof relayWorld>) =>
  (world.deps.broadcaster as MemoryBroadcaster).frames.filter(
    (f): f is Extract<ClientFrame, { type: 'delivery' }> =>
      f.type === 'delivery' && f.target === 'ivs',
  );
const unknownCount = (world: ReturnType<typeof relayWorld>, result: string) =>
  world.metrics.counts.get(`DeliveriesUnknown|provider=ivs,result=${result}`);

describe('a send whose outcome is unknown, at a target that can be searched', () => {
  it('is found there and recorded delivered with the copy’s id: nothing is sent again', async () => {
    // Prepare: the provider holds the copy; its answer never reached the relay.
    const { world, ivs, event, since } = await interruptedSend();
    const copyId = ivs.acceptUnanswered(IVS, sentCopy(event));

    // Act
    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);

    // Assess
    expect(ivs.calls).toEqual([]);
    expect(ivs.sent).toHaveLength(1);
    expect(ivs.lookups).toEqual([
      {
        at: world.clock.now,
        marker: relayMarker(event),
        sentAfter: Date.parse(since) - CLOCK_ALLOWANCE_MS,
      },
    ]);
    // A look that answers is no try: the one counted is the send that was cut off.
    expect(await ivsRecord(world, event)).toMatchObject({
      status: 'delivered',
      targetMessageId: copyId,
      attempts: 1,
    });
    expect((await ivsRecord(world, event))?.mayDuplicate).toBeUndefined();
    // The id map knows the copy, so an edit or delete of the original reaches it.
    expect(
      await world.state.findCopy(
        { provider: 'gitple', channel: 'room-7', messageId: '1' },
        { provider: 'ivs', channel: ROOM },
      ),
    ).toBe(copyId);
    expect(ivsFrames(world)).toEqual([
      expect.objectContaining({
        status: 'delivered',
        detail: 'found at the target after an interrupted send; not sent again',
      }),
    ]);
    expect(ivsFrames(world)[0]).not.toHaveProperty('mayDuplicate');
    expect(unknownCount(world, 'found')).toBe(1);
  });

  it('is not found there and is sent, once, without a duplicate flag', async () => {
    const { world, ivs, event } = await interruptedSend();

    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);

    expect(ivs.lookups).toHaveLength(1);
    expect(ivs.sent.map((s) => s.message.marker)).toEqual([relayMarker(event)]);
    const record = await ivsRecord(world, event);
    expect(record).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(record?.mayDuplicate).toBeUndefined();
    expect(ivsFrames(world).map((f) => f.mayDuplicate)).toEqual([undefined]);
    expect(unknownCount(world, 'not-found')).toBe(1);
  });

  it('missing while the interrupted call could still land, is looked for again once it cannot, and found then', async () => {
    // Prepare: the intent is 2 s old; the copy lands while the relay waits.
    const { world, ivs, event, since } = await interruptedSend(2_000);
    const sleep = world.deps.sleep!;
    world.deps.sleep = async (ms) => {
      ivs.acceptUnanswered(IVS, sentCopy(event));
      await sleep(ms);
    };

    // Act
    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);

    // Assess: looked, waited until no call can still be on its way, looked again and found it.
    expect(world.sleeps).toEqual([IN_FLIGHT_MS - 2_000]);
    expect(ivs.lookups.map((l) => l.at)).toEqual([
      Date.parse(since) + 2_000,
      Date.parse(since) + IN_FLIGHT_MS,
    ]);
    expect(ivs.calls).toEqual([]);
    expect(await ivsRecord(world, event)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('after two looks that answered, sends with every retry a first send has: a transient failure is retried, not parked', async () => {
    // Prepare: the intent is 2 s old (two looks, around the in-flight wait); the send that
    // follows meets two outages. Four tries in all: the one cut off, then three sends.
    const { world, ivs, event } = await interruptedSend(2_000);
    ivs.failures.push(new ProviderError('unavailable', 503), new ProviderError('unavailable', 503));

    // Act
    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);

    // Assess
    expect(ivs.lookups).toHaveLength(2);
    expect(ivs.calls).toHaveLength(3);
    expect(await ivsRecord(world, event)).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(world.deadLetters.letters).toEqual([]);
  });

  it('with no time left for a look, hands the record back without looking, its intent kept', async () => {
    const { world, ivs, event } = await interruptedSend();
    world.deps.deadline = world.clock.now + 10_000;

    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual(['1']);

    expect(ivs.lookups).toEqual([]);
    expect(ivs.calls).toEqual([]);
    expect((await ivsRecord(world, event))?.status).toBe('sending');
  });

  it('missing while the call could still land and the invocation cannot wait, is handed back, its intent kept', async () => {
    const { world, ivs, event } = await interruptedSend(2_000);
    world.deps.deadline = world.clock.now + 20_000;

    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual(['1']);

    expect(ivs.calls).toEqual([]);
    expect((await ivsRecord(world, event))?.status).toBe('sending');
  });

  it('when the search runs out of reach, is sent again and flagged as a possible duplicate', async () => {
    const { world, ivs, event } = await interruptedSend();
    ivs.outOfReach = true;

    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);

    expect(ivs.calls).toHaveLength(1);
    expect(await ivsRecord(world, event)).toMatchObject({
      status: 'delivered',
      mayDuplicate: true,
      detail: 'sent again after an interrupted send: may duplicate',
    });
    expect(ivsFrames(world)).toEqual([
      expect.objectContaining({ status: 'delivered', mayDuplicate: true }),
    ]);
    expect(unknownCount(world, 'resent')).toBe(1);
  });

  it('keeps the flag on the intent of a send made again blindly: a copy found after that call is cut off stays flagged', async () => {
    // Prepare: out of reach, so the copy is sent again blindly; the relay dies during that call
    // (the provider takes it, the answer never comes back).
    const { world, ivs, event } = await interruptedSend();
    ivs.outOfReach = true;
    const intents: (DeliveryRecord | undefined)[] = [];
    ivs.send = async (target, message) => {
      intents.push(await ivsRecord(world, event));
      ivs.acceptUnanswered(target, message);
      throw new Error('the relay died during the call');
    };
    world.deps.retry = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);
    // The crash: the intent is what the store was left with.
    await world.state.putDelivery(intents[0]!);

    // Act: the next run finds the intent unsettled; this time the look reaches a copy.
    ivs.outOfReach = false;
    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);

    // Assess: the intent carried the flag, and the delivery found afterwards keeps it: the
    // first copy may be at the target beside the one found.
    expect(intents[0]).toMatchObject({ status: 'sending', mayDuplicate: true });
    expect(await ivsRecord(world, event)).toMatchObject({
      status: 'delivered',
      mayDuplicate: true,
    });
    expect(ivsFrames(world).at(-1)).toMatchObject({ status: 'delivered', mayDuplicate: true });
  });

  it('when the search fails for a while, retries the search like a delivery and never sends blindly', async () => {
    // Prepare: two outages, then the search answers: the copy is there.
    const { world, ivs, event } = await interruptedSend();
    const copyId = ivs.acceptUnanswered(IVS, sentCopy(event));
    ivs.lookupFailures.push(new ProviderError('unavailable', 503), new ProviderError('reset'));

    // Act
    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);

    // Assess
    expect(ivs.lookups).toHaveLength(3);
    expect(ivs.calls).toEqual([]);
    expect(ivsFrames(world).map((f) => [f.status, f.detail?.split(';')[0]])).toEqual([
      ['retrying', 'could not look for an earlier copy: unavailable (HTTP 503)'],
      ['retrying', 'could not look for an earlier copy: reset'],
      ['delivered', 'found at the target after an interrupted send'],
    ]);
    // The two failed looks are tries; the one that answered is not.
    expect(await ivsRecord(world, event)).toMatchObject({
      status: 'delivered',
      targetMessageId: copyId,
      attempts: 3,
    });
  });

  it('keeps the outcome unknown across invocations while the search waits: the next one searches, it does not send', async () => {
    const { world, ivs, event, since } = await interruptedSend();
    ivs.lookupFailures.push(new ProviderError('throttled', 429, { retryAfterMs: 300_000 }));
    const batch = [batchRecord(event, 1)];

    expect(await relayBatch(batch, world.deps)).toEqual(['1']);
    const waiting = await ivsRecord(world, event);
    expect(waiting).toMatchObject({ status: 'retrying', outcomeUnknownSince: since });

    world.clock.now = Date.parse(waiting!.notBefore!);
    world.deps.deadline = world.clock.now + 120_000;
    expect(await relayBatch(batch, world.deps)).toEqual([]);

    expect(ivs.lookups).toHaveLength(2);
    expect(ivs.sent).toHaveLength(1);
    expect(ivs.sent[0]?.message.marker).toEqual(relayMarker(event));
    expect((await ivsRecord(world, event))?.mayDuplicate).toBeUndefined();
  });

  it('when the search is refused for good, is parked with the outcome still unknown, and a replay searches first', async () => {
    // Prepare
    const { world, ivs, event, since } = await interruptedSend();
    const copyId = ivs.acceptUnanswered(IVS, sentCopy(event));
    ivs.lookupFailures.push(new ProviderError('forbidden', 403));

    // Act: the relay parks it; an operator replays it.
    expect(await relayBatch([batchRecord(event, 1)], world.deps)).toEqual([]);
    const parked: DeliveryRecord | undefined = await ivsRecord(world, event);
    const [letter] = world.deadLetters.letters;
    const replayed = await replayDeadLetter(letter!, world.deps);

    // Assess
    expect(parked).toMatchObject({ status: 'failed', outcomeUnknownSince: since });
    expect(parked?.detail).toBe('could not look for an earlier copy: forbidden (HTTP 403)');
    expect(letter?.target.provider).toBe('ivs');
    expect(replayed).toMatchObject({ status: 'delivered', targetMessageId: copyId });
    expect(ivs.calls).toEqual([]);
  });
});

describe('an edit whose outcome is unknown', () => {
  it('is made again without a search or a duplicate flag: repeating it duplicates nothing', async () => {
    const world = relayWorld();
    const ivs = new LookingAdapter('ivs', () => world.clock.now);
    const edits: string[] = [];
    Object.assign(ivs, { edit: async (_t: DeliveryTarget, id: string) => void edits.push(id) });
    world.deps.adapters.ivs = ivs;
    const original = gitpleMessage('1');
    expect(await relayBatch([batchRecord(original, 1)], world.deps)).toEqual([]);
    const edit: CommonEvent = {
      ...original,
      id: 'gitple-room-7-1-edit',
      type: 'chat.message.updated',
    };
    await world.state.putDelivery({
      eventId: edit.id,
      target: IVS_KEY,
      status: 'sending',
      attempts: 1,
      updatedAt: new Date(0).toISOString(),
    });

    expect(await relayBatch([batchRecord(edit, 2)], world.deps)).toEqual([]);

    expect(edits).toEqual([ivs.sent[0]!.id]);
    expect(ivs.lookups).toEqual([]);
    expect(await ivsRecord(world, edit)).toMatchObject({ status: 'delivered' });
    expect((await ivsRecord(world, edit))?.mayDuplicate).toBeUndefined();
    expect(unknownCount(world, 'resent')).toBe(1);
  });
});
