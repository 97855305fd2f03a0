import { beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../functions/core/errors';
import type { CommonEvent } from '../../functions/core/event';
import type {
  DeliveryTarget,
  OutboundAdapter,
  OutboundCapabilities,
  OutboundMessage,
} from '../../functions/core/outbound';
import { createLogger } from '../../functions/core/log';
import {
  MemoryBroadcaster,
  MemoryDeadLetterQueue,
  MemoryRelayState,
} from '../../functions/core/memory';
import { channelKey } from '../../functions/core/providers';
import {
  relayBatch,
  type BatchRecord,
  type ClientFrame,
  type DeadLetter,
  type RelayDeps,
} from '../../functions/core/relay';
import { memoryMetrics } from '../../functions/infra/emf-metrics';
import { TEST_BRIDGES } from '../support/bridges';
import { FULL, RecordingAdapter as SendingAdapter } from '../support/relay-world';

const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
const PS_REQUEST = 'support-group-65f1c0ffee0000000000abcd-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b';

/** The support adapter that also carries out edits and deletes, with capabilities to choose. */
class RecordingAdapter extends SendingAdapter {
  edited: { id: string; text: string }[] = [];
  deleted: string[] = [];

  constructor(
    provider: OutboundAdapter['provider'],
    private readonly caps: OutboundCapabilities = FULL,
  ) {
    super(provider);
  }

  override capabilities() {
    return this.caps;
  }
  async edit(_t: DeliveryTarget, id: string, message: OutboundMessage) {
    this.edited.push({ id, text: message.text });
  }
  async delete(_t: DeliveryTarget, id: string) {
    this.deleted.push(id);
  }
}

function gitpleMessage(
  id: string,
  type: CommonEvent['type'] = 'chat.message.created',
  extra: Partial<CommonEvent['data']> = {},
): CommonEvent {
  return {
    specversion: '1.0',
    id: `gitple-${type}-${id}`,
    source: 'chat-bridge/gitple',
    type,
    subject: 'support',
    time: '2024-05-02T10:00:05.000Z',
    datacontenttype: 'application/json',
    data: {
      provider: 'gitple',
      channel: { id: 'room-7' },
      sender: { id: 'user-42', displayName: 'Ana' },
      message: { id, text: `hello ${id}`, attachments: [] },
      ...extra,
    },
  };
}

const record = (event: CommonEvent, seq: number, echo = false): BatchRecord => ({
  itemIdentifier: String(seq),
  partitionKey: channelKey(event.data.provider, event.data.channel.id),
  input: { event, echo },
});

describe('relay', () => {
  let ivs: RecordingAdapter;
  let pingstreams: RecordingAdapter;
  let tiger: RecordingAdapter;
  let frames: ClientFrame[];
  let letters: DeadLetter[];
  let sleeps: number[];
  let deps: RelayDeps;

  beforeEach(() => {
    ivs = new RecordingAdapter('ivs');
    pingstreams = new RecordingAdapter('pingstreams', { ...FULL, edit: false, delete: false });
    tiger = new RecordingAdapter('tigerconnect');
    const broadcaster = new MemoryBroadcaster();
    const deadLetters = new MemoryDeadLetterQueue();
    frames = broadcaster.frames;
    letters = deadLetters.letters;
    sleeps = [];
    deps = {
      bridges: TEST_BRIDGES,
      adapters: { ivs, pingstreams, tigerconnect: tiger },
      state: new MemoryRelayState(),
      broadcaster,
      deadLetters,
      metrics: memoryMetrics(),
      log: createLogger({}, { sink: () => {} }),
      sleep: async (ms) => void sleeps.push(ms),
    };
  });

  it('delivers a message to every other channel of the bridge once, with the marker and the sender format', async () => {
    const event = gitpleMessage('1012');

    const failures = await relayBatch([record(event, 1)], deps);

    expect(failures).toEqual([]);
    expect(ivs.sent).toHaveLength(1);
    expect(ivs.sent[0]?.target).toEqual({ provider: 'ivs', channel: ROOM, mode: 'message' });
    expect(ivs.sent[0]?.message).toMatchObject({
      text: '[gitple] Ana: hello 1012',
      marker: { origin: 'gitple', eventId: event.id, originMessageId: '1012' },
    });
    expect(pingstreams.sent.map((s) => s.target.channel)).toEqual([PS_REQUEST]);
    expect(tiger.sent).toHaveLength(1);
    expect(frames.filter((f) => f.type === 'event')).toHaveLength(1);
    expect(
      frames.filter((f) => f.type === 'delivery').map((f) => f.type === 'delivery' && f.status),
    ).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('never relays an echo', async () => {
    await relayBatch([record(gitpleMessage('1012'), 1, true)], deps);

    expect(ivs.sent).toHaveLength(0);
    expect(frames).toHaveLength(0);
  });

  it('does not deliver again when the stream retries a settled batch', async () => {
    const batch = [record(gitpleMessage('1'), 1), record(gitpleMessage('2'), 2)];

    await relayBatch(batch, deps);
    await relayBatch(batch, deps);

    expect(ivs.sent.map((s) => s.message.marker.originMessageId)).toEqual(['1', '2']);
    expect(frames.filter((f) => f.type === 'event')).toHaveLength(2);
  });

  it('honours Retry-After on a 429 and delivers after the wait', async () => {
    ivs.failures.push(new ProviderError('throttled', 429, { retryAfterMs: 1500 }));

    await relayBatch([record(gitpleMessage('1'), 1)], deps);

    expect(sleeps).toEqual([1500]);
    expect(ivs.sent).toHaveLength(1);
    const statuses = frames.flatMap((f) =>
      f.type === 'delivery' && f.target === 'ivs' ? [f.status] : [],
    );
    expect(statuses).toEqual(['retrying', 'delivered']);
  });

  it('parks a target that keeps failing in the dead-letter queue with the full event, without holding up the others', async () => {
    ivs.failures.push(...Array.from({ length: 10 }, () => new ProviderError('down', 503)));
    const event = gitpleMessage('1');

    const failures = await relayBatch([record(event, 1)], deps);

    expect(failures).toEqual([]);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      event,
      target: { provider: 'ivs', channel: ROOM },
      attempts: 4,
      bridgeId: 'support',
    });
    expect(pingstreams.sent).toHaveLength(1);
    expect(tiger.sent).toHaveLength(1);
  });

  it('sends a refused delivery straight to the dead-letter queue without retrying', async () => {
    ivs.failures.push(new ProviderError('forbidden', 403));

    await relayBatch([record(gitpleMessage('1'), 1)], deps);

    expect(sleeps).toEqual([]);
    expect(letters[0]?.attempts).toBe(1);
  });

  it('follows edits and deletes to the copies where supported, and skips them elsewhere', async () => {
    await relayBatch([record(gitpleMessage('7'), 1)], deps);

    await relayBatch(
      [
        record(gitpleMessage('7', 'chat.message.updated'), 2),
        record(gitpleMessage('7', 'chat.message.deleted'), 3),
      ],
      deps,
    );

    expect(ivs.edited).toEqual([{ id: 'ivs-msg-1', text: '[gitple] Ana: hello 7' }]);
    expect(ivs.deleted).toEqual(['ivs-msg-1']);
    const skipped = frames.flatMap((f) =>
      f.type === 'delivery' && f.target === 'pingstreams' && f.status === 'skipped'
        ? [f.detail]
        : [],
    );
    expect(skipped).toEqual([
      'pingstreams does not support edits',
      'pingstreams does not support deletes',
    ]);
  });

  it('follows a delete that starts at a copy back to the origin and the other copies', async () => {
    await relayBatch([record(gitpleMessage('7'), 1)], deps);
    const copyInIvs = ivs.sent[0]!.id;
    const deletedInIvs: CommonEvent = {
      ...gitpleMessage(copyInIvs, 'chat.message.deleted'),
      id: 'ivs-delete-1',
      source: 'chat-bridge/ivs',
      data: { provider: 'ivs', channel: { id: ROOM }, message: { id: copyInIvs, attachments: [] } },
    };

    await relayBatch([record(deletedInIvs, 2)], deps);

    expect(tiger.deleted).toEqual(['tigerconnect-msg-1']);
  });

  it('keeps one channel in order per target', async () => {
    ivs.failures.push(new ProviderError('throttled', 429, { retryAfterMs: 10 }));
    const batch = [1, 2, 3].map((n) => record(gitpleMessage(String(n)), n));

    await relayBatch(batch, deps);

    expect(ivs.sent.map((s) => s.message.marker.originMessageId)).toEqual(['1', '2', '3']);
  });

  it('truncates text over the target limit visibly', async () => {
    deps.adapters = { ivs: new RecordingAdapter('ivs', { ...FULL, maxTextLength: 20 }) };
    const event = gitpleMessage('1');
    event.data.message!.text = '😀'.repeat(50);

    await relayBatch([record(event, 1)], deps);

    const sent = (deps.adapters.ivs as RecordingAdapter).sent[0]!.message.text;
    expect(Array.from(sent)).toHaveLength(20);
    expect(sent.endsWith('… [truncated]')).toBe(true);
  });

  it('reports the first unsettled record of a channel so the stream retries from there', async () => {
    deps.deadLetters = { park: async () => Promise.reject(new Error('sqs down')) };
    ivs.failures.push(new ProviderError('forbidden', 403));

    const failures = await relayBatch(
      [record(gitpleMessage('1'), 11), record(gitpleMessage('2'), 12)],
      deps,
    );

    expect(failures).toEqual(['11']);
  });

  it('waits the whole Retry-After, however long', async () => {
    ivs.failures.push(new ProviderError('throttled', 429, { retryAfterMs: 30_000 }));

    await relayBatch([record(gitpleMessage('1'), 1)], deps);

    expect(sleeps).toEqual([30_000]);
    expect(ivs.sent).toHaveLength(1);
  });

  it('hands a record back to the stream when a wait does not fit the invocation, and counts its attempts across invocations', async () => {
    let clock = 1_000_000;
    deps.now = () => clock;
    deps.sleep = async (ms) => {
      clock += ms;
    };
    deps.deadline = clock + 20_000;
    ivs.failures.push(
      ...Array.from(
        { length: 4 },
        () => new ProviderError('throttled', 429, { retryAfterMs: 10_000 }),
      ),
    );
    const batch = [record(gitpleMessage('1'), 21), record(gitpleMessage('2'), 22)];

    const first = await relayBatch(batch, deps);

    expect(first).toEqual(['21']);
    expect(ivs.sent).toHaveLength(0);
    expect(letters).toHaveLength(0);
    // The stream retries once the wait is over, with a fresh budget; the attempt limit (4)
    // still holds overall.
    for (let invocation = 0; invocation < 5 && letters.length === 0; invocation += 1) {
      clock += 10_000;
      deps.deadline = clock + 20_000;
      await relayBatch(batch, deps);
    }
    expect(letters.map((l) => l.attempts)).toEqual([4]);
    expect(ivs.sent.map((s) => s.message.marker.originMessageId)).toEqual(['2']);
  });

  it('shows subscribers a provider refusal but never the text of an internal error', async () => {
    ivs.failures.push(
      ...Array.from(
        { length: 4 },
        () => new Error('AccessDeniedException: arn:aws:iam::123456789012:role/secret-role'),
      ),
    );

    await relayBatch([record(gitpleMessage('1'), 1)], deps);

    const shown = frames.flatMap((f) =>
      f.type === 'delivery' && f.target === 'ivs' ? [f.detail ?? ''] : [],
    );
    expect(shown.join(' ')).not.toContain('arn:aws');
    expect(shown.at(-1)).toContain('internal error');
    expect(letters[0]?.error).toContain('AccessDeniedException');
  });

  it('does not send the bridge’s own delete round again when it comes back from a target', async () => {
    await relayBatch([record(gitpleMessage('7'), 1)], deps);
    await relayBatch([record(gitpleMessage('7', 'chat.message.deleted'), 2)], deps);
    const copyInIvs = ivs.sent[0]!.id;
    // IVS logs the DeleteMessage the bridge made: a new delete event of the copy.
    const comeBack: CommonEvent = {
      ...gitpleMessage(copyInIvs, 'chat.message.deleted'),
      id: 'ivs-delete-of-copy',
      source: 'chat-bridge/ivs',
      data: { provider: 'ivs', channel: { id: ROOM }, message: { id: copyInIvs, attachments: [] } },
    };

    await relayBatch([record(comeBack, 3)], deps);

    expect(ivs.deleted).toEqual(['ivs-msg-1']);
    expect(tiger.deleted).toEqual(['tigerconnect-msg-1']);
    const skipped = frames.flatMap((f) =>
      f.type === 'delivery' && f.eventId === 'ivs-delete-of-copy' ? [f.detail] : [],
    );
    expect(skipped).toContain('the message was already deleted through the bridge');
  });
});
