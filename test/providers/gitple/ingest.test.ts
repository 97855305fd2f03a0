import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommonEventSchema } from '../../../functions/core/event';
import { deterministicEventId } from '../../../functions/core/event-id';
import type { WebhookRequest } from '../../../functions/core/inbound';
import { ingestWebhook } from '../../../functions/core/ingest';
import { createGitpleWebhookAdapter } from '../../../functions/providers/gitple/webhook';
import { fixture, startHarness, storedEvents, type Harness } from '../../support/harness';

const KEY = 'g1tple-webhook-key-0123456789';
const CHANNEL = 'gitple#room-7';
const adapter = createGitpleWebhookAdapter({ GITPLE_WEBHOOK_KEY: KEY });

function delivery(name: string, query: Record<string, string> = { key: KEY }): WebhookRequest {
  const { body, headers } = fixture<{ body: unknown; headers: Record<string, string> }>(
    `gitple/${name}`,
  );
  return { headers, query, rawBody: JSON.stringify(body), body };
}

describe('Gitple webhook ingest into the event store', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(() => harness.close());

  it.each([
    [
      'webhook-message-send.json',
      'chat.message.created',
      '2024-05-02T10:00:05.000Z',
      ['room-7', '1012'],
    ],
    [
      'webhook-message-send-unicode.json',
      'chat.message.created',
      '2024-05-02T10:00:10.000Z',
      ['room-7', '1013'],
    ],
    [
      'webhook-message-send-empty-text.json',
      'chat.message.created',
      '2024-05-02T10:00:10.000Z',
      ['room-7', '1014'],
    ],
    [
      'webhook-message-send-file.json',
      'chat.message.created',
      '2024-05-02T10:00:10.000Z',
      ['room-7', '1015'],
    ],
    [
      'webhook-message-send-minimal.json',
      'chat.message.created',
      '2024-05-02T10:00:20.000Z',
      ['room-7', '1016'],
    ],
    [
      'webhook-message-send-extra-fields.json',
      'chat.message.created',
      '2024-05-02T10:00:10.000Z',
      ['room-7', '1017'],
    ],
    [
      'webhook-message-update.json',
      'chat.message.updated',
      '2024-05-02T10:05:00.000Z',
      ['room-7', '1012', '1714644300000'],
    ],
    [
      'webhook-message-delete.json',
      'chat.message.deleted',
      '2024-05-02T10:01:40.000Z',
      ['room-7', '1012'],
    ],
    [
      'webhook-channel-join.json',
      'chat.member.joined',
      '2024-05-02T10:03:20.000Z',
      ['room-7', 'user-77', '1714644200000'],
    ],
    [
      'webhook-channel-leave.json',
      'chat.member.left',
      '2024-05-02T10:08:20.000Z',
      ['room-7', 'user-77', '1714644500000'],
    ],
    [
      'webhook-channel-ban.json',
      'chat.member.banned',
      '2024-05-02T10:06:40.000Z',
      ['room-7', 'user-77', '1714644400000'],
    ],
    [
      'webhook-channel-unban.json',
      'chat.member.unbanned',
      '2024-05-02T11:06:40.000Z',
      ['room-7', 'user-77', '1714648000000'],
    ],
    [
      'webhook-channel-update.json',
      'chat.channel.updated',
      '2024-05-02T10:10:00.000Z',
      ['room-7', '1714644600000'],
    ],
    [
      'webhook-channel-freeze.json',
      'chat.channel.frozen',
      '2024-05-02T10:11:40.000Z',
      ['room-7', '1714644700000'],
    ],
    ['webhook-channel-delete.json', 'chat.channel.deleted', '2024-05-02T10:13:20.000Z', ['room-7']],
  ] as const)('stores %s as one valid %s of bridge support', async (name, type, time, identity) => {
    const request = delivery(name);

    const result = await ingestWebhook(adapter, request, harness.runtime);

    const stored = await storedEvents(harness, CHANNEL);
    expect(stored).toHaveLength(1);
    const [item] = stored;
    expect(v.safeParse(CommonEventSchema, item?.event).success).toBe(true);
    expect(item?.event).toMatchObject({
      id: deterministicEventId('gitple', type, 'room-7', identity),
      type,
      source: 'chat-bridge/gitple',
      subject: 'support',
      time,
      data: { provider: 'gitple', channel: { id: 'room-7' } },
    });
    expect(item?.echo).toBe(false);
    expect(item?.raw).toEqual(request.body);
    expect(result.stored).toEqual([item?.event.id]);
  });

  it('stores the message content as the common message', async () => {
    await ingestWebhook(adapter, delivery('webhook-message-send-file.json'), harness.runtime);

    const [item] = await storedEvents(harness, CHANNEL);
    expect(item?.event.data).toEqual({
      provider: 'gitple',
      channel: { id: 'room-7', name: 'Support 7' },
      sender: { id: 'user-42', displayName: 'Ana', avatarUrl: 'https://cdn.example.com/u/42.png' },
      message: {
        id: '1015',
        attachments: [
          {
            url: 'https://files.example.com/room-7/screenshot%201.png',
            name: 'screenshot 1.png',
            contentType: 'image/png',
            size: 48213,
          },
        ],
      },
    });
  });

  it('stores the same delivery ingested ten times once', async () => {
    const request = delivery('webhook-message-send.json');

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
      delivery('webhook-message-send-echo.json'),
      harness.runtime,
    );

    const [item] = await storedEvents(harness, CHANNEL);
    expect(item?.echo).toBe(true);
    expect(result.echoes).toEqual([item?.event.id]);
    expect(item?.event.data.relayOf).toEqual({
      provider: 'ivs',
      eventId: 'ivs-Qm9vYmFyYmF6cXV4cXV1eGNvcmd',
    });
    expect(item?.event.data.message?.meta).toEqual({ lang: 'en' });
  });

  it('stores both readers of a read receipt, and only the new one on the next receipt', async () => {
    await ingestWebhook(adapter, delivery('webhook-message-read.json'), harness.runtime);
    const next = delivery('webhook-message-read.json');
    const body = next.body as { channel: { read_receipt: Record<string, number> } };
    body.channel.read_receipt['user-77'] = 1714644950000;

    const result = await ingestWebhook(adapter, next, harness.runtime);

    expect(result.stored).toHaveLength(1);
    expect(result.duplicates).toHaveLength(1);
    const stored = await storedEvents(harness, CHANNEL);
    expect(stored.map((s) => s.event.type)).toEqual([
      'chat.receipt.read',
      'chat.receipt.read',
      'chat.receipt.read',
    ]);
  });

  it('acknowledges a known but unrelayed category, counts it and stores nothing', async () => {
    const result = await ingestWebhook(
      adapter,
      delivery('webhook-manager-create.json'),
      harness.runtime,
    );

    expect(result.stored).toEqual([]);
    expect(result.ignored.map((i) => i.kind)).toEqual(['group:channel_manager_create']);
    expect([...harness.metrics.counts.keys()]).toContain(
      'IgnoredEvents|provider=gitple,kind=group:channel_manager_create',
    );
    expect(harness.requests).not.toContain('PutItemCommand');
  });

  it.each([
    ['a wrong key', delivery('webhook-message-send.json', { key: 'wrong' }), 'UnauthorizedError'],
    ['no key', delivery('webhook-message-send.json', {}), 'UnauthorizedError'],
    ['wrong types', delivery('webhook-message-send-wrong-types.json'), 'ValidationError'],
    ['an unknown category', delivery('webhook-unknown-category.json'), 'ValidationError'],
    ['a missing message', delivery('webhook-message-send-missing-message.json'), 'ValidationError'],
  ])('stores nothing for %s', async (_what, request, errorName) => {
    await expect(ingestWebhook(adapter, request, harness.runtime)).rejects.toMatchObject({
      name: errorName,
    });

    expect(await storedEvents(harness, CHANNEL)).toHaveLength(0);
    expect(harness.requests).not.toContain('PutItemCommand');
  });
});
