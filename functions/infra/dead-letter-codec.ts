import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { targetKey, type DeadLetter } from '../core/relay';

/**
 * A parked delivery as an SQS message, written by the dead-letter queue and read back by the
 * operator's list and replay: its shape exists here only. The body is the whole letter; the
 * attributes let an operator filter in the console without parsing it.
 */
export function encodeDeadLetter(letter: DeadLetter): {
  MessageBody: string;
  MessageAttributes: Record<string, MessageAttributeValue>;
} {
  return {
    MessageBody: JSON.stringify(letter),
    MessageAttributes: {
      eventId: { DataType: 'String', StringValue: letter.event.id },
      target: { DataType: 'String', StringValue: targetKey(letter.target) },
    },
  };
}

export function decodeDeadLetter(body: string | undefined): DeadLetter {
  return JSON.parse(body ?? '{}') as DeadLetter;
}
