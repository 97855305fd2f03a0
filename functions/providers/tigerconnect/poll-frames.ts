import * as v from 'valibot';
import { isBridgeError } from '../../core/errors';
import { ingestNormalized } from '../../core/ingest';
import { jsonDepth, LIMITS } from '../../core/limits';
import type { PollerRuntime } from '../../core/provider-module';
import { firstIssue } from '../../core/validation';
import { normalizeTigerConnectEvent } from './inbound';
import type { TigerConnectPollOutcome } from './poller';
import { TigerConnectEventRecordSchema } from './schema';
import type { SseFrame } from './sse';

export interface FrameContext {
  runtime: PollerRuntime;
  outcome: TigerConnectPollOutcome;
  log: PollerRuntime['log'];
  botUserId: string | undefined;
  now: () => number;
}

/** Store one frame's record; says which event id may be acked and whether to stop. */
export async function handleFrame(
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
