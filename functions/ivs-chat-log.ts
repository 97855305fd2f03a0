import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import * as v from 'valibot';
import { isBridgeError } from './core/errors';
import { ingestNormalized } from './core/ingest';
import { parseBoundedJson } from './core/limits';
import { getRuntime, withBridges } from './runtime/runtime';
import { normalizeIvsChatLogRecord } from './providers/ivs/inbound';
import { IvsChatLogRecordSchema } from './providers/ivs/schema';

interface LogsPayload {
  messageType: string;
  owner: string;
  logGroup: string;
  logStream: string;
  logEvents: { id: string; timestamp: number; message: string }[];
}

/**
 * IVS writes one stream per room, named after the room id (`.../room_<id>`); the record itself
 * does not name its room. With the account (`owner`) and region the room ARN is rebuilt.
 */
export function roomArnFromLogStream(
  logStream: string,
  owner: string,
  region: string,
): string | undefined {
  const match = /room_([a-zA-Z0-9-]+)/.exec(logStream);
  return match ? `arn:aws:ivschat:${region}:${owner}:room/${match[1]}` : undefined;
}

export interface ChatLogOutcome {
  stored: number;
  duplicates: number;
  rejected: number;
}

/**
 * A CloudWatch Logs subscription delivery of IVS chat-logging records. A record that does not
 * parse is logged and counted, never allowed to block the good records beside it. A store
 * failure is thrown after every record was tried, so Lambda retries the delivery; the
 * conditional write makes the replay store nothing twice.
 */
export async function ingestIvsChatLogs(event: CloudWatchLogsEvent): Promise<ChatLogOutcome> {
  const runtime = getRuntime();
  const payload = JSON.parse(
    gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'),
  ) as LogsPayload;
  const outcome: ChatLogOutcome = { stored: 0, duplicates: 0, rejected: 0 };
  if (payload.messageType !== 'DATA_MESSAGE') return outcome; // CONTROL_MESSAGE: a health check
  const region = runtime.env.AWS_REGION ?? 'us-east-1';
  const roomArn = roomArnFromLogStream(payload.logStream, payload.owner, region);
  const failures: unknown[] = [];
  for (const logEvent of payload.logEvents) {
    let record: unknown;
    try {
      // Depth-checked like every body: a hostile record is rejected, never a stack overflow.
      record = parseBoundedJson(logEvent.message, 'the chat-log record');
    } catch {
      record = undefined;
    }
    const parsed = v.safeParse(IvsChatLogRecordSchema, record);
    if (!parsed.success || !roomArn) {
      outcome.rejected += 1;
      runtime.metrics.count('ChatLogRecordRejected', { provider: 'ivs' });
      runtime.log.warn('ivs chat-log record rejected', {
        logEventId: logEvent.id,
        logStream: payload.logStream,
        reason: roomArn ? (parsed.issues?.[0]?.message ?? 'invalid') : 'log stream names no room',
      });
      continue;
    }
    try {
      const result = await ingestNormalized(
        'ivs',
        normalizeIvsChatLogRecord(parsed.output, roomArn),
        record,
        await withBridges(runtime),
      );
      outcome.stored += result.stored.length;
      outcome.duplicates += result.duplicates.length;
    } catch (error) {
      // Past a hard limit (or refused by DynamoDB as invalid): no retry can store it, and
      // retrying the delivery would only repeat the rest of the batch.
      if (isBridgeError(error) && error.status < 500) {
        outcome.rejected += 1;
        runtime.metrics.count('ChatLogRecordRejected', { provider: 'ivs' });
        runtime.log.warn('ivs chat-log record rejected', {
          logEventId: logEvent.id,
          reason: error.message,
        });
        continue;
      }
      failures.push(error);
      runtime.log.error('ivs chat-log record not stored', { logEventId: logEvent.id, error });
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(
      failures,
      `${failures.length} chat-log record(s) not stored; retrying the delivery`,
    );
  }
  return outcome;
}

export const handler = ingestIvsChatLogs;
