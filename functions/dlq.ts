import { SQSClient } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { replayDeadLetter } from './core/dead-letter-replay';
import { parseWith } from './core/validation';
import { requireEnv } from './infra/config';
import { getRelayRuntime, relayDepsFor } from './infra/relay-runtime';
import { SqsDeadLetterReader } from './infra/sqs-dead-letter-reader';

const DlqCommand = v.object({
  action: v.picklist(['list', 'replay']),
  /** Only letters of this event (replay); all letters when absent. */
  eventId: v.optional(v.pipe(v.string(), v.minLength(1))),
  max: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 100),
});

/**
 * The dead-letter queue's operator: `list` shows parked deliveries, `replay` re-delivers them
 * through the same relay code. Invoked by `npm run dlq` (Lambda Invoke, locally or on AWS).
 */
export async function operateDeadLetters(input: unknown) {
  const command = parseWith(DlqCommand, input, 'dlq command');
  const runtime = getRelayRuntime();
  const reader = new SqsDeadLetterReader(
    new SQSClient({}),
    requireEnv(runtime.base.env, 'DEAD_LETTER_QUEUE_URL'),
  );
  // list only peeks (visible again at once); replay hides what it holds while it works.
  const received = await reader.receive(command.max, command.action === 'list' ? 0 : 60);
  const summary = (r: (typeof received)[number]) => ({
    messageId: r.messageId,
    eventId: r.letter.event.id,
    type: r.letter.event.type,
    target: `${r.letter.target.provider}#${r.letter.target.channel}`,
    attempts: r.letter.attempts,
    error: r.letter.error,
    failedAt: r.letter.failedAt,
  });
  if (command.action === 'list') return { letters: received.map(summary) };
  const deps = await relayDepsFor(runtime);
  const results = [];
  for (const item of received) {
    if (command.eventId && item.letter.event.id !== command.eventId) continue;
    const record = await replayDeadLetter(item.letter, deps);
    // A replay that failed again was parked again as a new letter, so the old one goes.
    await reader.delete(item.receiptHandle);
    results.push({ ...summary(item), status: record.status, detail: record.detail });
  }
  return { replayed: results };
}

export const handler = operateDeadLetters;
