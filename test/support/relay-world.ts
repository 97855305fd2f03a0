import type { CommonEvent } from '../../functions/core/event';
import { createLogger } from '../../functions/core/log';
import {
  MemoryBroadcaster,
  MemoryDeadLetterQueue,
  MemoryRelayState,
} from '../../functions/core/memory';
import type {
  DeliveryTarget,
  OutboundAdapter,
  OutboundCapabilities,
  OutboundMessage,
  RelayMarker,
  SentSearch,
} from '../../functions/core/outbound';
import { channelKey } from '../../functions/core/providers';
import type { BatchRecord, RelayDeps } from '../../functions/core/relay';
import { memoryMetrics } from '../../functions/infra/emf-metrics';
import { TEST_BRIDGES } from './bridges';

export const FULL: OutboundCapabilities = {
  send: true,
  edit: true,
  delete: true,
  attachments: true,
  replies: true,
  maxTextLength: 500,
  findSent: false,
};

/** An in-memory provider that records each call it accepted, and can be told to fail. */
export class RecordingAdapter implements OutboundAdapter {
  sent: { target: DeliveryTarget; message: OutboundMessage; id: string }[] = [];
  /** Every call, accepted or not, with the clock at the time. */
  calls: number[] = [];
  failures: Error[] = [];
  private next = 1;

  constructor(
    readonly provider: OutboundAdapter['provider'],
    protected readonly clock: () => number = Date.now,
  ) {}

  capabilities() {
    return FULL;
  }
  unavailableReason() {
    return undefined;
  }
  async send(target: DeliveryTarget, message: OutboundMessage) {
    this.calls.push(this.clock());
    const failure = this.failures.shift();
    if (failure) throw failure;
    const id = `${this.provider}-msg-${this.next++}`;
    this.sent.push({ target, message, id });
    return { messageId: id };
  }
}

/**
 * A RecordingAdapter that can look for its copies (`findSent`) among what it accepted, as a
 * provider lists a channel: every look is noted (with its `sentAfter`), and can be told to fail
 * or to run out of reach.
 */
export class LookingAdapter extends RecordingAdapter {
  lookups: { at: number; marker: RelayMarker; sentAfter: number }[] = [];
  lookupFailures: Error[] = [];
  outOfReach = false;

  override capabilities() {
    return { ...FULL, findSent: true };
  }
  /** A copy the provider holds whose answer never reached the relay (it died mid-call). */
  acceptUnanswered(target: DeliveryTarget, message: OutboundMessage): string {
    const id = `${this.provider}-unanswered-${this.sent.length + 1}`;
    this.sent.push({ target, message, id });
    return id;
  }
  async findSent(target: DeliveryTarget, marker: RelayMarker, sentAfter: number) {
    this.lookups.push({ at: this.clock(), marker, sentAfter });
    const failure = this.lookupFailures.shift();
    if (failure) throw failure;
    if (this.outOfReach) return { result: 'out-of-reach', reason: 'too busy' } as SentSearch;
    const copy = this.sent.find(
      (s) =>
        s.target.channel === target.channel &&
        JSON.stringify(s.message.marker) === JSON.stringify(marker),
    );
    return (copy ? { result: 'found', messageId: copy.id } : { result: 'absent' }) as SentSearch;
  }
}

export function gitpleMessage(id: string, channel = 'room-7', subject = 'support'): CommonEvent {
  return {
    specversion: '1.0',
    id: `gitple-${channel.slice(0, 20)}-${id}`,
    source: 'chat-bridge/gitple',
    type: 'chat.message.created',
    subject,
    time: '2024-05-02T10:00:05.000Z',
    datacontenttype: 'application/json',
    data: {
      provider: 'gitple',
      channel: { id: channel },
      sender: { id: 'user-42', displayName: 'Ana' },
      message: { id, text: `hello ${id}`, attachments: [] },
    },
  };
}

export const batchRecord = (event: CommonEvent, seq: number): BatchRecord => ({
  itemIdentifier: String(seq),
  partitionKey: channelKey(event.data.provider, event.data.channel.id),
  input: { event, echo: false },
});

/** A relay with a fake clock: `sleep` advances it, so no test waits for real. */
export function relayWorld() {
  const clock = { now: 1_000_000 };
  const now = () => clock.now;
  const ivs = new RecordingAdapter('ivs', now);
  const pingstreams = new RecordingAdapter('pingstreams', now);
  const tiger = new RecordingAdapter('tigerconnect', now);
  const state = new MemoryRelayState();
  const deadLetters = new MemoryDeadLetterQueue();
  const sleeps: number[] = [];
  const logs: { level: string; message: string }[] = [];
  const metrics = memoryMetrics();
  const deps: RelayDeps = {
    bridges: TEST_BRIDGES,
    adapters: { ivs, pingstreams, tigerconnect: tiger },
    state,
    broadcaster: new MemoryBroadcaster(),
    deadLetters,
    metrics,
    log: createLogger(
      {},
      { sink: (line) => logs.push(JSON.parse(line) as { level: string; message: string }) },
    ),
    now,
    unrecorded: new Map(),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
  };
  return { clock, metrics, ivs, pingstreams, tiger, state, deadLetters, sleeps, logs, deps };
}

/** Note every delivery-record write of `world` in `trail`, as `status provider`. */
export function traceStateWrites(world: ReturnType<typeof relayWorld>, trail: string[]) {
  const put = world.state.putDelivery.bind(world.state);
  world.state.putDelivery = async (record, copy) => {
    trail.push(`${record.status} ${record.target.split('#')[0]}`);
    return put(record, copy);
  };
}
