import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommonEvent } from '../../functions/core/event';
import {
  eventually,
  startTestBridge,
  temporaryFolder,
  type TestBridge,
} from '../local/local-bridge';
import {
  postSigned,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver';
import { gitpleDelete, gitpleMessage } from './world';

const SECRET = `whsec_${Buffer.from('e2e receiver secret, 32 bytes!!!').toString('base64')}`;
const GITPLE_KEY = 'gitple-webhook-key-webhook-e2e';

/** A Gitple webhook for another room than world.ts's room-7. */
function inRoom<T extends { channel: object; message: object }>(room: string, body: T): T {
  return {
    ...body,
    channel: { ...body.channel, channel_id: room },
    message: { ...body.message, channel_id: room },
  };
}

/**
 * The customer's own system as a bridge member, end to end on the local runtime: Gitple posts
 * a webhook, the relay delivers the common event to a receiver on 127.0.0.1 that verifies each
 * delivery with the official standardwebhooks package, and the receiver posts back.
 */
describe('webhook provider, end to end on the local runtime', () => {
  let receiver: WebhookReceiver;
  let bridge: TestBridge;
  let lambda: LambdaClient;
  const folder = temporaryFolder();
  let nextId = 5000;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    const hook = (path: string, direction = 'out') => ({
      provider: 'webhook',
      channel: `${receiver.url}${path}`,
      direction,
    });
    const fromGitple = (id: string, room: string) => ({
      id,
      channels: [{ provider: 'gitple', channel: room, direction: 'in' }, hook(`/${id}`)],
    });
    const bridgesFile = join(folder.path, 'bridges.json');
    writeFileSync(
      bridgesFile,
      JSON.stringify({
        bridges: [
          fromGitple('ops', 'room-ops'),
          fromGitple('flaky', 'room-flaky'),
          fromGitple('dead', 'room-dead'),
          { id: 'notices', channels: [hook('/crm', 'inout'), hook('/notices-copy')] },
        ],
      }),
    );
    bridge = await startTestBridge({
      env: {
        BRIDGES_FILE: bridgesFile,
        GITPLE_WEBHOOK_KEY: GITPLE_KEY,
        WEBHOOK_SIGNING_SECRETS: JSON.stringify({ '*': SECRET }),
      },
      streamRetryDelayMs: 50,
    });
    lambda = new LambdaClient({
      endpoint: bridge.httpUrl,
      region: bridge.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    lambda?.destroy();
    await bridge?.close();
    await receiver?.close();
    folder.remove();
  });

  const invoke = async (payload: unknown) => {
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: 'DeadLetters',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    return JSON.parse(
      Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8'),
    ) as unknown;
  };

  async function postGitple(room: string, body: unknown) {
    const response = await fetch(`${bridge.httpUrl}/webhooks/gitple?key=${GITPLE_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(inRoom(room, body as never)),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { stored: string[] }).stored[0]!;
  }

  it('delivers a Gitple message, then its delete, as verified common events', async () => {
    const id = ++nextId;
    const eventId = await postGitple('room-ops', gitpleMessage(id, 'hello receivers'));

    const [created] = await eventually(
      'the receiver got the event',
      () => (receiver.at('/ops').length > 0 ? receiver.at('/ops') : undefined),
      8000,
    );
    expect(created?.verifyError).toBeUndefined();
    expect(created?.headers['webhook-id']).toBe(eventId);
    const event = created?.verified as CommonEvent;
    expect(event).toMatchObject({
      id: eventId,
      type: 'chat.message.created',
      subject: 'ops',
      data: {
        provider: 'gitple',
        channel: { id: 'room-ops' },
        sender: { id: 'user-42', displayName: 'Ana' },
        message: { text: 'hello receivers' },
      },
    });

    const deleteId = await postGitple('room-ops', gitpleDelete(id));

    const deleted = await eventually(
      'the delete arrived',
      () => receiver.at('/ops').find((d) => d.headers['webhook-id'] === deleteId),
      8000,
    );
    expect(deleted.verified).toMatchObject({
      type: 'chat.message.deleted',
      data: { message: { id: String(id) } },
    });
    expect(receiver.at('/ops')).toHaveLength(2);
  });

  it('retries a receiver that answers 503 twice with the same webhook-id, honouring Retry-After', async () => {
    receiver.script('/flaky', [{ status: 503, headers: { 'retry-after': '1' } }, { status: 503 }]);
    const eventId = await postGitple('room-flaky', gitpleMessage(++nextId, 'flaky receiver'));

    const attempts = await eventually(
      'three attempts',
      () => (receiver.at('/flaky').length >= 3 ? receiver.at('/flaky') : undefined),
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(receiver.at('/flaky')).toHaveLength(3);
    expect(attempts.map((a) => a.headers['webhook-id'])).toEqual([eventId, eventId, eventId]);
    expect(attempts.every((a) => a.verifyError === undefined)).toBe(true);
    // A receiver de-duplicating by webhook-id processes the event once.
    expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    const seconds = attempts.map((a) => Number(a.headers['webhook-timestamp']));
    expect(seconds[1]! - seconds[0]!).toBeGreaterThanOrEqual(1);
  });

  it('parks a receiver that keeps failing in the DLQ, and replay delivers with the same id', async () => {
    receiver.always('/dead', { status: 500 });
    const eventId = await postGitple('room-dead', gitpleMessage(++nextId, 'dead receiver'));
    const target = `webhook#${receiver.url}/dead`;

    const letters = await (async () => {
      for (let i = 0; i < 150; i += 1) {
        const { letters } = (await invoke({ action: 'list' })) as {
          letters: { eventId: string; target: string }[];
        };
        if (letters.some((l) => l.eventId === eventId)) return letters;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('no dead letter');
    })();
    expect(letters.filter((l) => l.eventId === eventId)).toEqual([
      expect.objectContaining({ eventId, target }),
    ]);
    const failedAttempts = receiver.at('/dead').length;
    expect(failedAttempts).toBeGreaterThanOrEqual(2);

    receiver.always('/dead', undefined);
    const replay = (await invoke({ action: 'replay', eventId })) as {
      replayed: { status: string }[];
    };

    expect(replay.replayed.map((r) => r.status)).toEqual(['delivered']);
    const all = receiver.at('/dead');
    expect(all).toHaveLength(failedAttempts + 1);
    expect(new Set(all.map((d) => d.headers['webhook-id']))).toEqual(new Set([eventId]));
    expect(all.at(-1)?.verified).toMatchObject({
      id: eventId,
      data: { message: { text: 'dead receiver' } },
    });
  });

  describe('events the customer’s system posts', () => {
    const crm = () => `${receiver.url}/crm`;
    const notice = (id: string) => ({
      specversion: '1.0',
      id,
      type: 'chat.message.created',
      data: {
        channel: { id: crm() },
        sender: { id: 'crm', displayName: 'CRM' },
        message: { text: `ticket resolved (${id})` },
      },
    });
    const post = (body: { id: string }, options: { secret?: string; at?: Date } = {}) =>
      postSigned(`${bridge.httpUrl}/webhooks/webhook`, body, { secret: SECRET, ...options });

    it('stores a signed post once and relays it to the bridge’s other members', async () => {
      const first = await post(notice('notice-1'));
      expect(first.status).toBe(200);
      const [eventId] = ((await first.json()) as { stored: string[] }).stored;
      const again = await post(notice('notice-1'));
      expect(again.status).toBe(200);

      const copy = await eventually('the copy', () => receiver.at('/notices-copy')[0], 8000);
      expect(copy.verified).toMatchObject({
        id: eventId,
        subject: 'notices',
        data: {
          provider: 'webhook',
          channel: { id: crm() },
          sender: { id: 'crm' },
          message: { text: 'ticket resolved (notice-1)' },
        },
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.at('/notices-copy')).toHaveLength(1);
      // Never back to the endpoint it came from.
      expect(receiver.at('/crm')).toHaveLength(0);
    });

    it.each([
      [
        'a bad signature',
        { secret: `whsec_${Buffer.from('not the endpoint secret!!').toString('base64')}` },
      ],
      ['a timestamp outside 5 minutes', { at: new Date(Date.now() - 6 * 60_000) }],
    ])('refuses %s with 401 problem+json', async (_what, options) => {
      const response = await post(notice(`refused-${_what}`), options);

      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = (await response.json()) as { status: number; detail: string };
      expect(problem.status).toBe(401);
      expect(problem.detail).not.toContain(SECRET);
    });
  });
});
