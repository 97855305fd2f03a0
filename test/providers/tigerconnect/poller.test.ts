import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../functions/core/errors';
import type { EventStore } from '../../../functions/core/ports';
import {
  pollBudgetMs,
  pollTigerConnectEvents,
  type PollerRuntime,
} from '../../../functions/providers/tigerconnect/poller';
import { createTigerConnectOutboundAdapter } from '../../../functions/providers/tigerconnect/outbound';
import { handler } from '../../../functions/tigerconnect-poller';
import { startFakeTigerConnect, type FakeTigerConnect } from '../../support/fake-tigerconnect';
import { fixture, startHarness, storedEvents, type Harness } from '../../support/harness';

// bridges.json links the TigerConnect conversation with u-def into bridge `support`.
const CHANNEL = 'tigerconnect#u-def';
const MESSAGE = fixture<{ event_id: string }>('tigerconnect/sse-message-event.json');
const UNICODE = fixture<{ event_id: string }>('tigerconnect/sse-message-unicode.json');
const MINIMAL = fixture<{ event_id: string }>('tigerconnect/sse-message-minimal.json');
const WRONG_TYPES = fixture<{ event_id: string }>('tigerconnect/sse-message-wrong-types.json');
const NO_EVENT_ID = fixture('tigerconnect/sse-missing-event-id.json');
const HEARTBEAT = fixture<{ event_id: string }>('tigerconnect/sse-heartbeat.json');
const UNKNOWN = fixture<{ event_id: string }>('tigerconnect/sse-unknown-type.json');

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A fetch that hands the event-stream body on in pieces of `size` bytes, noting each size. */
function rechunkedStream(size: number, chunks: number[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!String(input).endsWith('/v2/events') || !response.body) return response;
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          for (let at = 0; at < chunk.length; at += size) {
            const piece = chunk.subarray(at, at + size);
            chunks.push(piece.length);
            controller.enqueue(piece);
          }
        },
      }),
    );
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

/** Bodies of the ack requests the fake received, in order. */
function ackBodies(fake: FakeTigerConnect): unknown[] {
  return fake.requests
    .filter((request) => request.path === '/v2/events/ack')
    .map((request) => JSON.parse(request.body) as unknown);
}

/** A store that fails its first write of the given event ids, as a throttled table would. */
function failingOnce(store: EventStore, messageIds: string[]): EventStore {
  const pending = new Set(messageIds);
  return {
    putEvent: async (stored) => {
      const id = stored.event.data.message?.id;
      if (id !== undefined && pending.delete(id)) {
        throw new Error('ProvisionedThroughputExceededException');
      }
      return store.putEvent(stored);
    },
    listEvents: (subject, options) => store.listEvents(subject, options),
    checkCursor: (cursor) => store.checkCursor(cursor),
  };
}

describe('TigerConnect event-stream poller', () => {
  let fake: FakeTigerConnect;
  let harness: Harness;
  let runtime: PollerRuntime;

  const start = async (options: Parameters<typeof startFakeTigerConnect>[0] = {}) => {
    fake = await startFakeTigerConnect({ streamLifetimeMs: 300, ...options });
    harness = await startHarness({ env: { ...fake.env, TIGERCONNECT_BOT_USER_ID: 'u-bot' } });
    runtime = harness.runtime;
  };
  afterEach(async () => {
    await harness?.close();
    await fake?.close();
  });

  describe('against a stream that closes after 300 ms', () => {
    beforeEach(() => start());

    it('stores every event once and acks each only after it was stored', async () => {
      fake.publish(MESSAGE, UNICODE);

      const outcome = await pollTigerConnectEvents({ runtime, budgetMs: 5000 });

      expect(outcome).toEqual({
        received: 2,
        stored: 2,
        duplicates: 0,
        ignored: 0,
        rejected: 0,
        failed: 0,
        acked: 2,
      });
      const stored = await storedEvents(harness, CHANNEL);
      expect(stored.map((item) => item.event.data.message?.text).sort()).toEqual(
        ['hello', 'Olá, 世界! 👩🏽‍⚕️ café — naïve 🚑'].sort(),
      );
      expect(stored.every((item) => item.event.subject === 'support')).toBe(true);
      expect(ackBodies(fake)).toEqual([{ events: [MESSAGE.event_id, UNICODE.event_id] }]);
      expect(fake.unackedIds()).toEqual([]);
    });

    it('opens the stream with Basic auth and without TT-X-Features, so nothing is acked for it', async () => {
      await pollTigerConnectEvents({ runtime, budgetMs: 5000 });

      const [open] = fake.requests;
      expect(open).toMatchObject({ method: 'GET', path: '/v2/events', authorized: true });
      expect(open?.headers['tt-x-features']).toBeUndefined();
      expect(open?.headers.accept).toBe('text/event-stream');
    });

    it('does not ack an event whose store failed; the next poll stores its replay exactly once', async () => {
      fake.publish(MESSAGE, MINIMAL);
      const messageId = '9f1e2d3c-0000-4000-8000-000000000001'; // MESSAGE's message_id
      const flaky = { ...runtime, store: failingOnce(runtime.store, [messageId]) };

      const first = await pollTigerConnectEvents({ runtime: flaky, budgetMs: 5000 });

      expect(first).toMatchObject({ received: 1, stored: 0, failed: 1, acked: 0 });
      expect(fake.unackedIds()).toEqual([MESSAGE.event_id, MINIMAL.event_id]);
      expect(await storedEvents(harness, CHANNEL)).toHaveLength(0);
      expect(harness.metrics.counts.get('PollStoreFailed|provider=tigerconnect')).toBe(1);

      const second = await pollTigerConnectEvents({ runtime: flaky, budgetMs: 5000 });
      const third = await pollTigerConnectEvents({ runtime: flaky, budgetMs: 5000 });

      expect(second).toMatchObject({ received: 2, stored: 2, failed: 0, acked: 2 });
      expect(third).toMatchObject({ received: 0, stored: 0, acked: 0 });
      expect(fake.unackedIds()).toEqual([]);
      const stored = await storedEvents(harness, CHANNEL);
      expect(stored.map((item) => item.event.data.message?.id).sort()).toEqual(
        [messageId, '9f1e2d3c-0000-4000-8000-000000000109'].sort(),
      );
    });

    it('stores nothing twice when an ack is lost: the replay is a duplicate and is acked then', async () => {
      fake.publish(MESSAGE);
      const losingAcks: typeof fetch = async (input, init) => {
        if (String(input).endsWith('/v2/events/ack')) throw new TypeError('fetch failed');
        return fetch(input, init);
      };

      const first = await pollTigerConnectEvents({ runtime, fetch: losingAcks, budgetMs: 5000 });
      const second = await pollTigerConnectEvents({ runtime, budgetMs: 5000 });

      expect(first).toMatchObject({ stored: 1, acked: 0 });
      expect(second).toMatchObject({ received: 1, stored: 0, duplicates: 1, acked: 1 });
      expect(await storedEvents(harness, CHANNEL)).toHaveLength(1);
      expect(fake.unackedIds()).toEqual([]);
    });

    it('acks and counts a poison record so it cannot block the events behind it', async () => {
      fake.publish(WRONG_TYPES, MESSAGE);

      const outcome = await pollTigerConnectEvents({ runtime, budgetMs: 5000 });

      expect(outcome).toMatchObject({ received: 2, rejected: 1, stored: 1, acked: 2 });
      expect(fake.unackedIds()).toEqual([]);
      expect(await storedEvents(harness, CHANNEL)).toHaveLength(1);
      expect(harness.metrics.counts.get('RejectedEvents|provider=tigerconnect')).toBe(1);
      const rejection = harness.logs.find((line) => line.includes('record rejected'));
      expect(rejection).toContain('event.tigertext:iq:message.body');
      expect(rejection).toContain(WRONG_TYPES.event_id);
    });

    it('counts a record without event_id as rejected and goes on (there is nothing to ack)', async () => {
      fake.publish(NO_EVENT_ID, MESSAGE);

      const outcome = await pollTigerConnectEvents({ runtime, budgetMs: 5000 });

      expect(outcome).toMatchObject({ received: 2, rejected: 1, stored: 1, acked: 1 });
      expect(ackBodies(fake)).toEqual([{ events: [MESSAGE.event_id] }]);
    });

    it('acks heartbeats and unknown kinds without storing them', async () => {
      fake.publish(HEARTBEAT, UNKNOWN);

      const outcome = await pollTigerConnectEvents({ runtime, budgetMs: 5000 });

      expect(outcome).toMatchObject({ received: 2, ignored: 2, stored: 0, acked: 2 });
      expect(fake.unackedIds()).toEqual([]);
      expect(
        harness.metrics.counts.get('IgnoredEvents|provider=tigerconnect,kind=call:ringing'),
      ).toBe(1);
    });

    it('skips frames that carry no record (comments, bare heartbeats, non-JSON)', async () => {
      const polling = pollTigerConnectEvents({ runtime, budgetMs: 5000 });
      await waitFor(() => fake.openStreams() === 1);

      fake.publishRaw(': keep-alive\n\nevent: sse:heartbeat\ndata: {}\n\ndata: not json\n\n');
      fake.publish(MESSAGE);

      expect(await polling).toMatchObject({ received: 1, stored: 1, rejected: 0, acked: 1 });
    });

    it('stores the bridge’s own post, read back from the stream, as an echo of its origin', async () => {
      await fake.close();
      await harness.close();
      await start({ echoSentMessagesAs: 'u-bot' });
      const adapter = createTigerConnectOutboundAdapter({ env: {}, secrets: fake.env });
      await adapter.send(
        { provider: 'tigerconnect', channel: 'u-def', mode: 'message' },
        {
          text: '[gitple] Ana: hi',
          attachments: [],
          sender: { id: 'ana' },
          marker: { origin: 'gitple', eventId: 'gitple-evt-1', originMessageId: '1012' },
        },
      );

      const outcome = await pollTigerConnectEvents({ runtime, budgetMs: 5000 });

      expect(outcome).toMatchObject({ stored: 1, acked: 1 });
      const [stored] = await storedEvents(harness, CHANNEL);
      expect(stored?.echo).toBe(true);
      expect(stored?.event.data.relayOf).toEqual({ provider: 'gitple', eventId: 'gitple-evt-1' });
    });

    it('throws a ProviderError when TigerConnect refuses the credentials', async () => {
      const wrong = {
        ...runtime,
        env: {},
        secrets: { load: async () => ({ ...fake.env, TIGERCONNECT_API_SECRET: 'nope' }) },
      };

      await expect(pollTigerConnectEvents({ runtime: wrong, budgetMs: 5000 })).rejects.toSatisfy(
        (error) => error instanceof ProviderError && error.providerStatus === 401,
      );
    });
  });

  describe('against a stream that stays open', () => {
    beforeEach(() => start({ streamLifetimeMs: 60_000 }));

    it('ends the poll when the budget is spent, keeping what arrived and leaving later events queued', async () => {
      fake.publish(MESSAGE);
      const startedAt = Date.now();

      const outcome = await pollTigerConnectEvents({ runtime, budgetMs: 400 });
      fake.publish(UNICODE);

      const elapsed = Date.now() - startedAt;
      expect(elapsed).toBeGreaterThanOrEqual(350);
      expect(elapsed).toBeLessThan(3000);
      expect(outcome).toMatchObject({ received: 1, stored: 1, acked: 1 });
      await waitFor(() => fake.openStreams() === 0);
      expect(fake.unackedIds()).toEqual([UNICODE.event_id]);
    });

    it('stores and acks events that arrive live while the stream is open', async () => {
      const polling = pollTigerConnectEvents({ runtime, budgetMs: 1500 });
      await waitFor(() => fake.openStreams() === 1);

      fake.publish(MESSAGE);
      await waitFor(() => fake.unackedIds().length === 0);
      fake.publish(UNICODE);

      expect(await polling).toMatchObject({ received: 2, stored: 2, acked: 2 });
      // Acked as it went, one batch per arrival, not all at the end.
      expect(ackBodies(fake)).toEqual([
        { events: [MESSAGE.event_id] },
        { events: [UNICODE.event_id] },
      ]);
    });

    it('acks a replay burst in batches', async () => {
      const records = Array.from({ length: 7 }, (_, i) => ({
        ...MINIMAL,
        event_id: `burst-${i}`,
      }));
      fake.publish(...records);

      const polling = pollTigerConnectEvents({ runtime, budgetMs: 800, ackBatchSize: 3 });

      expect(await polling).toMatchObject({ received: 7, stored: 1, duplicates: 6, acked: 7 });
      expect(
        ackBodies(fake).every((body) => (body as { events: string[] }).events.length <= 3),
      ).toBe(true);
      expect(fake.unackedIds()).toEqual([]);
    });

    it('as a Lambda, budgets from the remaining time less the margin', async () => {
      fake.publish(MESSAGE);
      const startedAt = Date.now();

      const outcome = await handler({}, { getRemainingTimeInMillis: () => 8_300 });

      expect(Date.now() - startedAt).toBeLessThan(3000);
      expect(outcome).toMatchObject({ stored: 1, acked: 1 });
    });
  });

  describe('with frames split across network chunks', () => {
    beforeEach(() => start({ pieceSize: 5 }));

    it('parses frames cut inside lines and inside multi-byte characters', async () => {
      fake.publish(UNICODE, MESSAGE);
      const chunks: number[] = [];

      const outcome = await pollTigerConnectEvents({
        runtime,
        fetch: rechunkedStream(3, chunks),
        budgetMs: 5000,
      });

      // 3-byte pieces cut every 4-byte emoji and most 2- and 3-byte characters.
      expect(chunks.length).toBeGreaterThan(100);
      expect(outcome).toMatchObject({ received: 2, stored: 2, acked: 2 });
      const texts = (await storedEvents(harness, CHANNEL)).map(
        (item) => item.event.data.message?.text,
      );
      expect(texts).toContain('Olá, 世界! 👩🏽‍⚕️ café — naïve 🚑');
    });

    it('parses CRLF frames whose line ends are split between chunks', async () => {
      const polling = pollTigerConnectEvents({
        runtime,
        fetch: rechunkedStream(1, []),
        budgetMs: 5000,
      });
      await waitFor(() => fake.openStreams() === 1);

      fake.publishRaw(
        `data: ${JSON.stringify(MESSAGE)}\r\n\r\ndata: ${JSON.stringify(MINIMAL)}\r\n\r\n`,
      );

      expect(await polling).toMatchObject({ received: 2, stored: 2, acked: 2 });
    });
  });

  describe('without credentials', () => {
    beforeEach(async () => {
      fake = await startFakeTigerConnect();
      harness = await startHarness({ env: { TIGERCONNECT_API_URL: fake.url } });
    });

    it('returns at once with a log line and calls nothing', async () => {
      const outcome = await pollTigerConnectEvents({ runtime: harness.runtime, budgetMs: 5000 });

      expect(outcome.skipped).toBe(
        'tigerconnect is not configured: TIGERCONNECT_API_KEY and TIGERCONNECT_API_SECRET missing',
      );
      expect(outcome.received).toBe(0);
      expect(fake.requests).toHaveLength(0);
      expect(harness.logs.some((line) => line.includes('tigerconnect poll skipped'))).toBe(true);
    });
  });
});

describe('pollBudgetMs', () => {
  it.each([
    [60_000, 50_000],
    [30_000, 22_000],
    [5_000, 0],
  ])('with %i ms left gives %i ms', (remaining, budget) => {
    expect(pollBudgetMs(remaining)).toBe(budget);
  });
});
