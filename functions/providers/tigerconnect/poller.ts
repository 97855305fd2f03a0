import type { PollerRuntime } from '../../core/provider-module';
import { AckBatcher } from './ack-batcher';
import { createTigerConnectClient, readTigerConnectConfig } from './client';
import { SseFrameReader } from './event-stream';
import { handleFrame } from './poll-frames';

/** Read the stream for under a minute (the scheduled handler usually passes its own budget). */
export const DEFAULT_POLL_BUDGET_MS = 50_000;

/** Acks go out per network chunk, and within a chunk (a replay burst) every this many events. */
export const ACK_BATCH_SIZE = 25;

/**
 * A frame still incomplete past this size is not a record TigerConnect would send; the poll
 * stops rather than hold an unbounded buffer (nothing unacked is lost: it replays).
 */
const MAX_PENDING_CHARS = 1024 * 1024;

export interface TigerConnectPollOutcome {
  /** Records read from the stream (frames whose data is an event record). */
  received: number;
  /** Common events written for the first time. */
  stored: number;
  /** Common events already stored (replays of events stored but not acked before). */
  duplicates: number;
  /** Event kinds acknowledged without storing (heartbeats, receipts, unknown kinds). */
  ignored: number;
  /** Records that fail their schema: logged, counted, and acked when they carry an id. */
  rejected: number;
  /** Records whose store failed: not acked, so the stream replays them on the next poll. */
  failed: number;
  /** Event ids TigerConnect confirmed as acked. */
  acked: number;
  /** Why no poll happened (TigerConnect is not configured). */
  skipped?: string;
}

export interface PollTigerConnectOptions {
  runtime: PollerRuntime;
  fetch?: typeof fetch;
  /** How long to read the stream; the scheduled handler (functions/pollers.ts) gives the Lambda's share. */
  budgetMs?: number;
  now?: () => number;
  ackBatchSize?: number;
}

/** The poll budget inside a Lambda: the default, but never past its time less the margin. */
/**
 * One scheduled poll of the TigerConnect event stream (TigerConnect has no webhooks): open
 * `GET /v2/events`, store each record as it arrives, and ack an event only once its store
 * succeeded. Ignored kinds and records that fail validation are acked too — the stream
 * replays whatever is not acked at the head of every connection, so one poison record would
 * otherwise block ingest forever. A store failure is not acked and ends the poll: the event
 * replays on the next one, and the conditional write makes that replay store it exactly once.
 */
export async function pollTigerConnectEvents(
  options: PollTigerConnectOptions,
): Promise<TigerConnectPollOutcome> {
  const { runtime } = options;
  const log = runtime.log.child({ provider: 'tigerconnect', task: 'poll' });
  const now = options.now ?? Date.now;
  const outcome: TigerConnectPollOutcome = {
    received: 0,
    stored: 0,
    duplicates: 0,
    ignored: 0,
    rejected: 0,
    failed: 0,
    acked: 0,
  };
  const secrets = await runtime.secrets.load();
  const configured = readTigerConnectConfig(secrets, runtime.env);
  if (!configured.config) {
    log.info('tigerconnect poll skipped', { reason: configured.unavailable });
    return { ...outcome, skipped: configured.unavailable };
  }
  const client = createTigerConnectClient(configured.config, options.fetch);
  const botUserId =
    secrets.TIGERCONNECT_BOT_USER_ID || runtime.env.TIGERCONNECT_BOT_USER_ID || undefined;
  const budgetMs = options.budgetMs ?? DEFAULT_POLL_BUDGET_MS;
  const deadline = now() + budgetMs;
  const acks = new AckBatcher(client, outcome, log);
  const ackBatchSize = options.ackBatchSize ?? ACK_BATCH_SIZE;

  // The budget closes the stream; a frame already read is still stored and acked.
  const stream = new AbortController();
  const timer = setTimeout(() => stream.abort(), budgetMs);
  try {
    const reader = (await client.openEventStream(stream.signal)).getReader();
    const frames = new SseFrameReader();
    let ended = 'budget spent';
    reading: for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (!stream.signal.aborted) {
          ended = 'stream broke';
          log.warn('tigerconnect event stream broke; unacked events replay next poll', { error });
        }
        break;
      }
      if (chunk.done) {
        ended = 'closed by tigerconnect';
        break;
      }
      for (const frame of frames.push(chunk.value)) {
        // Frames left unread are not acked: they replay on the next poll.
        if (now() >= deadline) break reading;
        const handled = await handleFrame(frame, { runtime, outcome, log, botUserId, now });
        if (handled.ack !== undefined) acks.add(handled.ack);
        if (handled.stop) {
          ended = 'store failed';
          break reading;
        }
        if (acks.size >= ackBatchSize) await acks.flush();
      }
      await acks.flush();
      if (frames.pendingLength > MAX_PENDING_CHARS) {
        ended = 'oversized frame';
        log.warn('tigerconnect sent an unterminated frame over 1 MiB; poll ended', {
          pendingChars: frames.pendingLength,
        });
        break;
      }
    }
    await acks.flush();
    log.info('tigerconnect poll finished', { ended, ...outcome });
    return outcome;
  } finally {
    clearTimeout(timer);
    stream.abort();
  }
}
