import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter } from '../core/relay';
import { decodeDeadLetter } from './dead-letter-codec';

export interface LetterListing {
  letters: ReceivedLetter[];
  /** False when `max` or the deadline stopped the listing before the queue ran dry. */
  complete: boolean;
}

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

  /**
   * Every letter (up to `max`, until `deadline`), left in the queue. A peek with visibility 0
   * hands the first ten back again and again, so a listing hides each page until it is done
   * (never past the deadline plus a margin) to reach the next one, then makes them all
   * visible again at once.
   */
  async list(max: number, deadline: number): Promise<LetterListing> {
    const hideSeconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000) + 5);
    const letters: ReceivedLetter[] = [];
    let complete = false;
    try {
      while (letters.length < max && Date.now() < deadline) {
        const page = await this.receive(Math.min(10, max - letters.length), hideSeconds);
        const fresh = page.filter((l) => !letters.some((seen) => seen.messageId === l.messageId));
        if (fresh.length === 0) {
          complete = true;
          break;
        }
        letters.push(...fresh);
      }
    } finally {
      await this.reveal(letters);
    }
    return { letters, complete };
  }

  /** Visible again at once: a listing must not hide letters from a replay. */
  private async reveal(letters: ReceivedLetter[]): Promise<void> {
    for (let at = 0; at < letters.length; at += 10) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: letters.slice(at, at + 10).map((letter, index) => ({
            Id: String(index),
            ReceiptHandle: letter.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
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
