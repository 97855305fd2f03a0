import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqsDeadLetterReader } from '../../functions/infra/sqs-dead-letter-reader';
import { startSqsEmulator, type SqsEmulator } from '../../local/sqs/sqs-emulator';

function letter(n: number) {
  return {
    event: { id: `ev-${n}`, type: 'chat.message.created' },
    target: { provider: 'gitple', channel: 'room-7' },
    attempts: 3,
    error: 'provider 503',
    failedAt: '2026-11-28T04:00:00.000Z',
  };
}

describe('dead-letter listing', () => {
  let sqs: SqsEmulator;
  let client: SQSClient;
  let reader: SqsDeadLetterReader;

  beforeEach(async () => {
    sqs = await startSqsEmulator({ queues: ['dlq'] });
    client = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    reader = new SqsDeadLetterReader(client, sqs.queueUrl('dlq'));
    for (let n = 0; n < 25; n += 1) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: sqs.queueUrl('dlq'),
          MessageBody: JSON.stringify(letter(n)),
        }),
      );
    }
  });
  afterEach(async () => {
    client.destroy();
    await sqs.close();
  });

  it('pages through all 25 letters (not the first 10) and leaves every one visible', async () => {
    const listing = await reader.list(1000, Date.now() + 10_000);

    expect(listing.complete).toBe(true);
    expect(listing.letters.map((l) => l.letter.event.id).sort()).toEqual(
      Array.from({ length: 25 }, (_, n) => `ev-${n}`).sort(),
    );
    const again = await reader.list(1000, Date.now() + 10_000);
    expect(again.letters).toHaveLength(25);
    // A replay right after a listing still finds them all.
    expect(await reader.receive(100, 30)).toHaveLength(25);
  });

  it('says the listing is incomplete when max stops it', async () => {
    const listing = await reader.list(12, Date.now() + 10_000);

    expect(listing).toMatchObject({ complete: false });
    expect(listing.letters).toHaveLength(12);
  });
});
