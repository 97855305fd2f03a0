import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter } from '../core/relay';
import { decodeDeadLetter } from './dead-letter-codec';

export interface ReceivedLetter {
  messageId: string;
  receiptHandle: string;
  letter: DeadLetter;
}

/** Reads parked deliveries back from the dead-letter queue for listing and replay. */
export class SqsDeadLetterReader {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Up to `max` letters; they stay hidden for `visibilitySeconds` unless deleted. */
  async receive(max: number, visibilitySeconds: number): Promise<ReceivedLetter[]> {
    const letters: ReceivedLetter[] = [];
    while (letters.length < max) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, max - letters.length),
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: 0,
        }),
      );
      // A peek (visibility 0) may hand the same message back at once: stop at the first page
      // that brings nothing new.
      const fresh = Messages.filter((m) => !letters.some((l) => l.messageId === m.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) {
        letters.push({
          messageId: message.MessageId ?? '',
          receiptHandle: message.ReceiptHandle ?? '',
          letter: decodeDeadLetter(message.Body),
        });
      }
    }
    return letters;
  }

  async delete(receiptHandle: string): Promise<void> {
    await this.client.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle }),
    );
  }

  /** Make a received letter visible again at once (it was not the one asked for). */
  async release(receiptHandle: string): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
  }
}
