import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PollerRuntime } from '../../../functions/core/provider-module';
import { DynamoEventStore } from '../../../functions/infra/dynamo-event-store';
import { pollTigerConnectEvents } from '../../../functions/providers/tigerconnect/poller';
import { startFakeTigerConnect, type FakeTigerConnect } from '../../support/fake-tigerconnect';
import { fixture, startHarness, storedEvents, type Harness } from '../../support/harness';

const CHANNEL = 'tigerconnect#u-def';
const MESSAGE = fixture<{ event_id: string }>('tigerconnect/sse-message-event.json');

/** MESSAGE re-identified, with `change` applied to its message. */
function variant(eventId: string, change: Record<string, unknown>) {
  const message = (MESSAGE as unknown as { event: Record<string, Record<string, unknown>> }).event[
    'tigertext:iq:message'
  ];
  return {
    event_id: eventId,
    event: { 'tigertext:iq:message': { ...message, message_id: `m-${eventId}`, ...change } },
  };
}

describe('TigerConnect poller: records no retry can store', () => {
  let fake: FakeTigerConnect;
  let harness: Harness;
  let runtime: PollerRuntime;

  beforeEach(async () => {
    fake = await startFakeTigerConnect({ streamLifetimeMs: 300 });
    harness = await startHarness({ env: { ...fake.env, TIGERCONNECT_BOT_USER_ID: 'u-bot' } });
    runtime = harness.runtime;
  });
  afterEach(async () => {
    await harness?.close();
    await fake?.close();
  });

  it('acks a record past a hard limit (a 3 KB channel id, 200 levels deep) and stores what follows', async () => {
    const longChannel = variant('ev-long', { recipient_token: 'c'.repeat(3000) });
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i += 1) deep = [deep];
    const deepRecord = variant('ev-deep', { data: deep });
    fake.publish(longChannel, deepRecord, MESSAGE);

    const outcome = await pollTigerConnectEvents({ runtime, budgetMs: 5000 });

    expect(outcome).toMatchObject({ received: 3, rejected: 2, stored: 1, failed: 0, acked: 3 });
    expect(fake.unackedIds()).toEqual([]);
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(1);
    expect(harness.logs.some((line) => line.includes('data.channel.id'))).toBe(true);
  });

  it('acks an event DynamoDB refuses with ValidationException instead of retrying it forever', async () => {
    const refusing = new DynamoEventStore({
      client: {
        send: () =>
          Promise.reject(
            Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
              name: 'ValidationException',
            }),
          ),
      } as never,
      tableName: 'events',
      retentionDays: 30,
    });
    fake.publish(MESSAGE);

    const first = await pollTigerConnectEvents({
      runtime: { ...runtime, store: refusing },
      budgetMs: 5000,
    });
    const second = await pollTigerConnectEvents({ runtime, budgetMs: 5000 });

    expect(first).toMatchObject({ received: 1, rejected: 1, failed: 0, acked: 1 });
    expect(second).toMatchObject({ received: 0 });
    expect(harness.metrics.counts.get('RejectedEvents|provider=tigerconnect')).toBe(1);
  });
});
