import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterQueue } from '../core/relay-ports';

/** Failed deliveries, kept whole (event + target + error) so `npm run dlq -- replay` can resend. */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async park(letter: DeadLetter): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(letter),
        MessageAttributes: {
          eventId: { DataType: 'String', StringValue: letter.event.id },
          target: {
            DataType: 'String',
            StringValue: `${letter.target.provider}#${letter.target.channel}`,
          },
        },
      }),
    );
  }
}
