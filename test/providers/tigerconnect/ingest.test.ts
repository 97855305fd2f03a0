import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnauthorizedError, ValidationError } from '../../../functions/core/errors';
import { CommonEventSchema } from '../../../functions/core/event';
import type { WebhookRequest } from '../../../functions/core/inbound';
import { ingestWebhook } from '../../../functions/core/ingest';
import { createTigerConnectWebhookAdapter } from '../../../functions/providers/tigerconnect/webhook';
import { fixture, startHarness, storedEvents, type Harness } from '../../support/harness';

const KEY = 'tc-forwarder-key-7f3a9c1e';
const ENV = { TIGERCONNECT_WEBHOOK_KEY: KEY, TIGERCONNECT_BOT_USER_ID: 'u-bot' };
// bridges.json links the TigerConnect conversation with u-def into bridge `support`.
const CHANNEL = 'tigerconnect#u-def';

function delivery(body: unknown, query: Record<string, string> = { key: KEY }): WebhookRequest {
  return { headers: {}, query, rawBody: JSON.stringify(body), body };
}

describe('TigerConnect forwarder ingest into the event store', () => {
  let harness: Harness;
  let adapter: ReturnType<typeof createTigerConnectWebhookAdapter>;
  beforeEach(async () => {
    harness = await startHarness({ env: ENV });
    adapter = createTigerConnectWebhookAdapter(await harness.runtime.secrets.load());
  });
  afterEach(() => harness.close());

  it('stores the SSE message record as a valid common event in its bridge', async () => {
    const body = fixture('tigerconnect/sse-message-event.json');

    const result = await ingestWebhook(adapter, delivery(body), harness.runtime);

    expect(result.stored).toHaveLength(1);
    const [stored, ...rest] = await storedEvents(harness, CHANNEL);
    expect(rest).toHaveLength(0);
    expect(v.safeParse(CommonEventSchema, stored?.event).success).toBe(true);
    expect(stored?.event).toMatchObject({
      id: result.stored[0],
      type: 'chat.message.created',
      source: 'chat-bridge/tigerconnect',
      subject: 'support',
      time: '2024-05-02T10:00:05.000Z',
      data: {
        provider: 'tigerconnect',
        channel: { id: 'u-def' },
        sender: { id: 'u-abc' },
        message: { id: '9f1e2d3c-0000-4000-8000-000000000001', text: 'hello', attachments: [] },
      },
    });
    expect(stored?.echo).toBe(false);
    expect(stored?.raw).toEqual(body);
  });

  it('stores one event for ten redeliveries of the same record', async () => {
    const body = fixture('tigerconnect/sse-message-event.json');

    const results = [];
    for (let i = 0; i < 10; i += 1) {
      results.push(await ingestWebhook(adapter, delivery(body), harness.runtime));
    }

    expect(results.flatMap((result) => result.stored)).toHaveLength(1);
    expect(results.flatMap((result) => result.duplicates)).toHaveLength(9);
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(1);
  });

  it('stores a marked bridge post as an echo that names what it relays', async () => {
    await ingestWebhook(
      adapter,
      delivery(fixture('tigerconnect/sse-message-bridge-echo.json')),
      harness.runtime,
    );

    const [stored] = await storedEvents(harness, CHANNEL);
    expect(stored?.echo).toBe(true);
    expect(stored?.event.data.relayOf).toEqual({
      provider: 'pingstreams',
      eventId: 'pingstreams-Q2xhdWRlQnJpZGdlRXhhbXBsZTAx',
    });
  });

  it('stores the bot’s own post as an echo even without a marker', async () => {
    await ingestWebhook(
      adapter,
      delivery(fixture('tigerconnect/sse-group-colon-message.json')),
      harness.runtime,
    );

    const [stored] = await storedEvents(harness, 'tigerconnect#g-ward-7');
    expect(stored?.echo).toBe(true);
    // Not in any bridge: the subject is the channel key.
    expect(stored?.event.subject).toBe('tigerconnect#g-ward-7');
  });

  it('stores every message of a forwarded batch and counts the advisories', async () => {
    const result = await ingestWebhook(
      adapter,
      delivery(fixture('tigerconnect/forwarder-batch.json')),
      harness.runtime,
    );

    expect(result.stored).toHaveLength(2);
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(2);
    expect(
      harness.metrics.counts.get('IgnoredEvents|provider=tigerconnect,kind=client_advisory'),
    ).toBe(2);
  });

  it.each([
    ['a wrong key', 'sse-message-event.json', { key: 'wrong' }, UnauthorizedError],
    ['no key', 'sse-message-event.json', {}, UnauthorizedError],
    ['wrong types', 'sse-message-wrong-types.json', { key: KEY }, ValidationError],
    ['no event_id', 'sse-missing-event-id.json', { key: KEY }, ValidationError],
  ])('stores nothing for %s', async (_, name, query, errorType) => {
    const body = fixture(`tigerconnect/${name}`);

    await expect(ingestWebhook(adapter, delivery(body, query), harness.runtime)).rejects.toThrow(
      errorType,
    );

    expect(await storedEvents(harness, CHANNEL)).toHaveLength(0);
    expect(harness.requests).not.toContain('PutItemCommand');
  });

  it.each(['sse-heartbeat.json', 'sse-unknown-type.json'])(
    'acknowledges %s without storing anything',
    async (name) => {
      const result = await ingestWebhook(
        adapter,
        delivery(fixture(`tigerconnect/${name}`)),
        harness.runtime,
      );

      expect(result.stored).toEqual([]);
      expect(result.ignored).toHaveLength(1);
      expect(harness.requests).not.toContain('PutItemCommand');
    },
  );
});
