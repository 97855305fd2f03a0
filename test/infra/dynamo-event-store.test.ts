import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../functions/core/ports';
import { decodeCursor } from '../../functions/core/event-cursor';
import { DynamoEventStore, SETTLE_MS } from '../../functions/infra/dynamo-event-store';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynamo/embedded-dynamo';

const T0 = Date.parse('2026-11-28T04:00:00.000Z');

function stored(id: string, channel = 'gitple#room-7'): StoredEvent {
  return {
    channelKey: channel,
    echo: false,
    raw: { id },
    event: {
      specversion: '1.0',
      id,
      source: 'chat-bridge/gitple',
      type: 'chat.message.created',
      subject: 'support',
      time: new Date(T0).toISOString(),
      datacontenttype: 'application/json',
      data: {
        provider: 'gitple',
        channel: { id: channel.split('#')[1]! },
        message: { id, attachments: [] },
      },
    },
  };
}

describe('DynamoEventStore cursors: no event lands behind a cursor already handed out', () => {
  let dynamo: EmbeddedDynamo;
  let clock: number;
  const storeAt = (options: { putDeadlineMs?: number } = {}) =>
    new DynamoEventStore({
      client: dynamo.client,
      tableName: dynamo.tableNames.EVENTS_TABLE!,
      retentionDays: 30,
      now: () => clock,
      ...options,
    });

  beforeEach(async () => {
    dynamo = await startEmbeddedDynamo({ tablePrefix: `store-${process.pid}-${Date.now()}` });
    clock = T0;
  });
  afterEach(() => dynamo.close());

  it('a write stamped earlier but landing later is still found from a cursor read in between', async () => {
    const store = storeAt();
    // B is stamped at T0+2s and lands; a client reads history and keeps B's cursor.
    clock = T0 + 2000;
    await store.putEvent(stored('ev-b'));
    clock = T0 + 2500;
    const page = await store.listEvents('support', { limit: 50 });
    const cursor = page.items.at(-1)!.cursor;
    // A was stamped at T0+1s (before B) but its put (SDK retries) only lands now.
    clock = T0 + 1000;
    await store.putEvent(stored('ev-a', 'gitple#room-8'));

    clock = T0 + 3000;
    const resumed = await store.listEvents('support', { after: cursor, limit: 50 });

    expect(resumed.items.map((item) => item.event.id)).toContain('ev-a');
  });

  it('hands out exact cursors once events have settled: resuming repeats nothing', async () => {
    const store = storeAt();
    await store.putEvent(stored('ev-1'));
    clock = T0 + 1;
    await store.putEvent(stored('ev-2', 'gitple#room-8'));
    clock = T0 + SETTLE_MS + 10;

    const first = await store.listEvents('support', { limit: 50 });
    const resumed = await store.listEvents('support', { after: first.items[0]!.cursor, limit: 50 });

    expect(decodeCursor(first.items[0]!.cursor)).toMatch(/#ev-1$/);
    expect(resumed.items.map((item) => item.event.id)).toEqual(['ev-2']);
  });

  it('pages through more unsettled events than a page holds, each page moving on', async () => {
    const store = storeAt();
    for (let n = 0; n < 5; n += 1) {
      clock = T0 + n;
      await store.putEvent(stored(`ev-${n}`, `gitple#room-${n}`));
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await store.listEvents('support', { limit: 2, ...(after && { after }) });
      seen.push(...page.items.map((item) => item.event.id));
      if (!page.next) break;
      after = page.next;
    }

    expect([...new Set(seen)].sort()).toEqual(['ev-0', 'ev-1', 'ev-2', 'ev-3', 'ev-4']);
  });

  it('fails a put still in flight past its deadline, so the delivery is retried, not stamped stale', async () => {
    const hanging = new DynamoEventStore({
      client: {
        send: (_command: unknown, options: { abortSignal: AbortSignal }) =>
          new Promise((_resolve, reject) =>
            options.abortSignal.addEventListener('abort', () => reject(options.abortSignal.reason)),
          ),
      } as never,
      tableName: 'events',
      retentionDays: 30,
      putDeadlineMs: 50,
    });

    await expect(hanging.putEvent(stored('ev-late'))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});
