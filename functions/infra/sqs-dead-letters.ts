import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterQueue } from '../core/relay';
import { encodeDeadLetter } from './dead-letter-codec';

/** Failed deliveries, kept whole (event + target + error) so `npm run dlq -- replay` can resend. */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async park(letter: DeadLetter): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, ...encodeDeadLetter(letter) }),
    );
  }
}
