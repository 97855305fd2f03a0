import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommonEventSchema, type EventType } from '../../../functions/core/event';
import { deterministicEventId } from '../../../functions/core/event-id';
import { ingestWebhook } from '../../../functions/core/ingest';
import { createPingstreamsWebhookAdapter } from '../../../functions/providers/pingstreams/webhook';
import { startHarness, storedEvents, type Harness } from '../../support/harness';
import {
  PROJECT_ID,
  REQUEST_ID,
  pingstreamsDelivery,
  pingstreamsFixture,
  subscriptionToken,
} from './deliveries';
import { channelKey } from '../../../functions/core/providers';

const CHANNEL = channelKey('pingstreams', REQUEST_ID);
const { subscriptionSecret: SECRET } = pingstreamsFixture('webhook-message-create.json');
const adapter = createPingstreamsWebhookAdapter({
  PINGSTREAMS_WEBHOOK_SECRET: SECRET,
  PINGSTREAMS_PROJECT_ID: PROJECT_ID,
});

describe('Pingstreams webhook ingest into the event store', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(() => harness.close());

  const cases: [string, EventType, string, string[]][] = [
    [
      'webhook-message-create.json',
      'chat.message.created',
      '2024-05-02T10:00:05.000Z',
      ['6634f0c2a1b2c3d4e5f60718'],
    ],
    [
      'webhook-message-create-unicode.json',
      'chat.message.created',
      '2024-05-02T10:00:10.000Z',
      ['6634f0c2a1b2c3d4e5f60719'],
    ],
    [
      'webhook-message-create-empty-text.json',
      'chat.message.created',
      '2024-05-02T10:00:11.000Z',
      ['6634f0c2a1b2c3d4e5f6071a'],
    ],
    [
      'webhook-message-create-file.json',
      'chat.message.created',
      '2024-05-02T10:00:12.000Z',
      ['6634f0c2a1b2c3d4e5f6071b'],
    ],
    [
      'webhook-message-create-extra-fields.json',
      'chat.message.created',
      '2024-05-02T10:00:14.000Z',
      ['6634f0c2a1b2c3d4e5f6071d'],
    ],
    [
      'webhook-message-create-info.json',
      'chat.message.created',
      '2024-05-02T10:50:00.000Z',
      ['6634f0c2a1b2c3d4e5f60720'],
    ],
    [
      'webhook-message-create-channel-variant.json',
      'chat.message.created',
      '2024-05-02T10:00:17.000Z',
      ['6634f0c2a1b2c3d4e5f60721'],
    ],
    [
      'webhook-request-create.json',
      'chat.channel.created',
      '2024-05-02T10:00:05.000Z',
      [REQUEST_ID],
    ],
    [
      'webhook-request-update.json',
      'chat.channel.updated',
      '2024-05-02T10:16:40.000Z',
      [REQUEST_ID, '1714645000000'],
    ],
    [
      'webhook-request-close.json',
      'chat.channel.frozen',
      '2024-05-02T10:50:00.000Z',
      [REQUEST_ID, '2024-05-02T10:50:00.000Z'],
    ],
  ];

  it.each(cases)(
    'stores %s as one valid %s of bridge support',
    async (name, type, time, identity) => {
      const request = pingstreamsDelivery(name);

      const result = await ingestWebhook(adapter, request, harness.runtime);

      const stored = await storedEvents(harness, CHANNEL);
      expect(stored).toHaveLength(1);
      const [item] = stored;
      expect(v.safeParse(CommonEventSchema, item?.event).success).toBe(true);
      expect(item?.event).toMatchObject({
        id: deterministicEventId('pingstreams', type, REQUEST_ID, identity),
        type,
        source: 'chat-bridge/pingstreams',
        subject: 'support',
        time,
        data: { provider: 'pingstreams', channel: { id: REQUEST_ID } },
      });
      expect(item?.echo).toBe(false);
      expect(item?.raw).toEqual(request.body);
      expect(result.stored).toEqual([item?.event.id]);
    },
  );

  it('stores a delivery verified by its body token alone', async () => {
    const request = pingstreamsDelivery('webhook-message-create.json', { via: 'token' });

    await ingestWebhook(adapter, request, harness.runtime);

    const [item] = await storedEvents(harness, CHANNEL);
    expect(item?.event.data).toEqual({
      provider: 'pingstreams',
      channel: { id: REQUEST_ID, name: 'Hi, I need help' },
      sender: { id: '65f1c0ffee0000000000abcd_user-42', displayName: 'Ana Silva' },
      message: { id: '6634f0c2a1b2c3d4e5f60718', text: 'Hi, I need help', attachments: [] },
    });
  });

  it('stores the info message with its system flag for clients and relays to see', async () => {
    await ingestWebhook(
      adapter,
      pingstreamsDelivery('webhook-message-create-info.json'),
      harness.runtime,
    );

    const [item] = await storedEvents(harness, CHANNEL);
    expect(item?.event.data.message?.meta).toMatchObject({
      system: true,
      subtype: 'info/support',
      label: 'CHAT_CLOSED',
    });
  });

  it('stores the same delivery ingested ten times once', async () => {
    const request = pingstreamsDelivery('webhook-message-create.json');

    const results = await Promise.all(
      Array.from({ length: 10 }, () => ingestWebhook(adapter, request, harness.runtime)),
    );

    expect(await storedEvents(harness, CHANNEL)).toHaveLength(1);
    expect(results.flatMap((r) => r.stored)).toHaveLength(1);
    expect(results.flatMap((r) => r.duplicates)).toHaveLength(9);
  });

  it('stores a bridge echo flagged as an echo, pointing at the event it relays', async () => {
    const result = await ingestWebhook(
      adapter,
      pingstreamsDelivery('webhook-message-create-echo.json'),
      harness.runtime,
    );

    const [item] = await storedEvents(harness, CHANNEL);
    expect(item?.echo).toBe(true);
    expect(result.echoes).toEqual([item?.event.id]);
    expect(item?.event.data.relayOf).toEqual({
      provider: 'gitple',
      eventId: 'gitple-Zm9vYmFyYmF6cXV4cXV1eGNvcmd',
    });
  });

  it('acknowledges a known but unrelayed event, counts it and stores nothing', async () => {
    const result = await ingestWebhook(
      adapter,
      pingstreamsDelivery('webhook-lead-create.json'),
      harness.runtime,
    );

    expect(result).toMatchObject({ stored: [], ignored: [{ kind: 'lead.create' }] });
    expect([...harness.metrics.counts.keys()]).toContain(
      'IgnoredEvents|provider=pingstreams,kind=lead.create',
    );
    expect(harness.requests).not.toContain('PutItemCommand');
  });

  const hook = pingstreamsFixture('webhook-message-create.json').body.hook;
  it.each([
    [
      'a wrong x-hook-secret',
      pingstreamsDelivery('webhook-message-create.json', { headerSecret: 'nope' }),
      'UnauthorizedError',
    ],
    [
      'a token signed with another secret',
      pingstreamsDelivery('webhook-message-create.json', {
        via: 'token',
        token: subscriptionToken(hook, 'nope'),
      }),
      'UnauthorizedError',
    ],
    [
      'a delivery naming no project',
      pingstreamsDelivery('webhook-message-create-minimal.json'),
      'UnauthorizedError',
    ],
    [
      'wrong types',
      pingstreamsDelivery('webhook-message-create-wrong-types.json'),
      'ValidationError',
    ],
    ['an unknown event', pingstreamsDelivery('webhook-unknown-event.json'), 'ValidationError'],
  ])('stores nothing for %s', async (_what, request, errorName) => {
    await expect(ingestWebhook(adapter, request, harness.runtime)).rejects.toMatchObject({
      name: errorName,
    });

    expect(await storedEvents(harness, CHANNEL)).toHaveLength(0);
    expect(harness.requests).not.toContain('PutItemCommand');
  });
});
