import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs/sqs-emulator';

describe('local SQS emulator, driven by the real @aws-sdk/client-sqs', () => {
  let sqs: SqsEmulator | undefined;
  afterEach(() => sqs?.close());

  const clientFor = (endpoint: string) =>
    new SQSClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });

  it('sends, receives with a visibility timeout, and deletes', async () => {
    sqs = await startSqsEmulator({ queues: ['dlq'] });
    const client = clientFor(sqs.endpoint);
    const QueueUrl = sqs.queueUrl('dlq');

    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"event":"é😀"}' }));
    const first = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }),
    );
    const hidden = await client.send(new ReceiveMessageCommand({ QueueUrl }));
    await client.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.Messages![0]!.ReceiptHandle! }),
    );
    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );

    expect(first.Messages?.map((m) => m.Body)).toEqual(['{"event":"é😀"}']);
    expect(hidden.Messages ?? []).toHaveLength(0);
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');
  });

  it('keeps parked messages across a restart when given a file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sqs-')), 'queues.json');
    sqs = await startSqsEmulator({ queues: ['dlq'], file });
    await clientFor(sqs.endpoint).send(
      new SendMessageCommand({ QueueUrl: sqs.queueUrl('dlq'), MessageBody: 'kept' }),
    );
    await sqs.close();

    sqs = await startSqsEmulator({ queues: ['dlq'], file });

    expect(sqs.messages('dlq').map((m) => m.Body)).toEqual(['kept']);
  });

  it('answers an unknown queue with QueueDoesNotExist', async () => {
    sqs = await startSqsEmulator({ queues: ['dlq'] });

    await expect(
      clientFor(sqs.endpoint).send(
        new SendMessageCommand({ QueueUrl: sqs.queueUrl('nope'), MessageBody: 'x' }),
      ),
    ).rejects.toMatchObject({ name: expect.stringMatching(/QueueDoesNotExist/) });
  });
});
