import * as v from 'valibot';
import { isBridgeError } from '../../core/errors';
import { ingestNormalized } from '../../core/ingest';
import { jsonDepth, LIMITS } from '../../core/limits';
import type { PollerRuntime } from '../../core/provider-module';
import { firstIssue } from '../../core/validation';
import {
  createTigerConnectClient,
  readTigerConnectConfig,
  type TigerConnectClient,
} from './client';
import { SseFrameReader } from './event-stream';
import { normalizeTigerConnectEvent } from './inbound';
import { TigerConnectEventRecordSchema } from './schema';
import type { SseFrame } from './sse';

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

interface FrameContext {
  runtime: PollerRuntime;
  outcome: TigerConnectPollOutcome;
  log: PollerRuntime['log'];
  botUserId: string | undefined;
  now: () => number;
}

/** Store one frame's record; says which event id may be acked and whether to stop. */
async function handleFrame(
  frame: SseFrame,
  context: FrameContext,
): Promise<{ ack?: string; stop?: boolean }> {
  const { runtime, outcome, log, botUserId, now } = context;
  const record = parseJsonObject(frame.data);
  // Keep-alives and `event: sse:heartbeat` frames carry no record: nothing to store or ack.
  if (!record || !('event_id' in record || 'event' in record)) {
    log.debug('tigerconnect frame without a record skipped', { sseEvent: frame.event });
    return {};
  }
  outcome.received += 1;
  const eventId =
    typeof record.event_id === 'string' && record.event_id !== '' ? record.event_id : undefined;
  if (jsonDepth(frame.data, LIMITS.jsonDepth) > LIMITS.jsonDepth) {
    return reject(context, eventId, undefined, `nests deeper than ${LIMITS.jsonDepth} levels`);
  }
  const parsed = v.safeParse(TigerConnectEventRecordSchema, record);
  if (!parsed.success) {
    const { field, reason } = firstIssue(parsed.issues);
    return reject(context, eventId, field, reason);
  }
  const normalized = normalizeTigerConnectEvent(parsed.output, {
    botUserId,
    receivedAt: new Date(now()),
  });
  try {
    const result = await ingestNormalized('tigerconnect', normalized, record, runtime);
    outcome.stored += result.stored.length;
    outcome.duplicates += result.duplicates.length;
    outcome.ignored += result.ignored.length;
    return { ack: parsed.output.event_id };
  } catch (error) {
    // A normalized event outside the contract or past a limit, or an item DynamoDB refuses
    // (ValidationException, surfaced as a 4xx), is poison like a schema failure: no retry
    // fixes it, and leaving it unacked would block every later event behind it.
    if (isBridgeError(error) && error.status < 500) {
      const field = (error as { field?: unknown }).field;
      return reject(context, eventId, typeof field === 'string' ? field : undefined, error.message);
    }
    outcome.failed += 1;
    runtime.metrics.count('PollStoreFailed', { provider: 'tigerconnect' });
    log.error('tigerconnect event not stored; not acked, it replays on the next poll', {
      eventId,
      error,
    });
    return { stop: true };
  }
}

/** A record no retry can fix: counted, logged, and acked when it names an event id. */
function reject(
  { runtime, outcome, log }: FrameContext,
  eventId: string | undefined,
  field: string | undefined,
  reason: string | undefined,
): { ack?: string } {
  outcome.rejected += 1;
  runtime.metrics.count('RejectedEvents', { provider: 'tigerconnect' });
  log.warn(
    eventId
      ? 'tigerconnect record rejected; acked so it cannot block the stream'
      : 'tigerconnect record rejected; it has no event_id to ack',
    { eventId, field, reason: reason ?? 'invalid' },
  );
  return eventId ? { ack: eventId } : {};
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Event ids waiting for `POST /v2/events/ack`. A failed ack is logged, not retried: those
 * events replay on the next poll and their stores are no-ops, so nothing is lost or doubled.
 */
class AckBatcher {
  private pending: string[] = [];

  constructor(
    private readonly client: TigerConnectClient,
    private readonly outcome: TigerConnectPollOutcome,
    private readonly log: PollerRuntime['log'],
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(eventId: string): void {
    this.pending.push(eventId);
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const ids = this.pending;
    this.pending = [];
    try {
      await this.client.ackEvents(ids);
      this.outcome.acked += ids.length;
    } catch (error) {
      this.log.warn('tigerconnect ack failed; those events replay and store as duplicates', {
        count: ids.length,
        error,
      });
    }
  }
}
