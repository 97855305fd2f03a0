import { SQSClient } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import type { Context } from 'aws-lambda';
import { RelayOutOfTimeError, replayDeadLetter, targetKey } from './core/relay';
import { parseWith } from './core/validation';
import { requireEnv } from './runtime/config';
import { getRelayRuntime, relayDepsFor } from './runtime/relay-runtime';
import { SqsDeadLetterReader, type ReceivedLetter } from './infra/sqs-dead-letter-reader';

/** A listing stops this long before the invocation's end, to reveal the letters again. */
const LIST_MARGIN_MS = 5000;

const MAX_LETTERS = 1000;

const DlqCommand = v.object({
  action: v.picklist(['list', 'replay']),
  /** Only letters of this event (replay); all letters when absent. */
  eventId: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Only this one letter (replay), as `list` names it. */
  messageId: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** At most this many letters; a listing defaults to the cap, a replay to 100. */
  max: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_LETTERS))),
});

/**
 * The dead-letter queue's operator: `list` shows parked deliveries, `replay` re-delivers them
 * through the same relay code. Invoked by `npm run dlq` (Lambda Invoke, locally or on AWS).
 */
export async function operateDeadLetters(
  input: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) {
  const command = parseWith(DlqCommand, input, 'dlq command');
  const remainingMs = context?.getRemainingTimeInMillis() ?? 300_000;
  const runtime = getRelayRuntime();
  const reader = new SqsDeadLetterReader(
    new SQSClient({}),
    requireEnv(runtime.base.env, 'DEAD_LETTER_QUEUE_URL'),
  );
  const summary = (r: ReceivedLetter) => ({
    messageId: r.messageId,
    eventId: r.letter.event.id,
    type: r.letter.event.type,
    target: targetKey(r.letter.target),
    attempts: r.letter.attempts,
    error: r.letter.error,
    failedAt: r.letter.failedAt,
  });
  if (command.action === 'list') {
    // Pages through the whole queue (leaving it as it was), bounded by this invocation's time.
    const listing = await reader.list(
      command.max ?? MAX_LETTERS,
      Date.now() + remainingMs - LIST_MARGIN_MS,
    );
    return {
      count: listing.letters.length,
      complete: listing.complete,
      letters: listing.letters.map(summary),
    };
  }
  // replay hides what it holds for as long as this invocation can run, so a second replay
  // cannot pick up the same letters meanwhile.
  const received = await reader.receive(command.max ?? 100, Math.ceil(remainingMs / 1000) + 30);
  const deps = await relayDepsFor(runtime, { deadline: Date.now() + remainingMs - 5000 });
  const results = [];
  const wanted = (item: (typeof received)[number]) =>
    (!command.eventId || item.letter.event.id === command.eventId) &&
    (!command.messageId || item.messageId === command.messageId);
  // Letters that were not asked for must not stay hidden for the whole replay window.
  await Promise.all(received.filter((i) => !wanted(i)).map((i) => reader.release(i.receiptHandle)));
  for (const item of received) {
    if (!wanted(item)) continue;
    let record;
    try {
      record = await replayDeadLetter(item.letter, deps);
    } catch (error) {
      // Out of time: what is left stays in the queue and shows again for the next replay.
      if (error instanceof RelayOutOfTimeError) return { replayed: results, stoppedEarly: true };
      throw error;
    }
    // A replay that failed again was parked again as a new letter, so the old one goes.
    await reader.delete(item.receiptHandle);
    results.push({ ...summary(item), status: record.status, detail: record.detail });
  }
  return { replayed: results };
}

export const handler = (input: unknown, context: Context) => operateDeadLetters(input, context);
