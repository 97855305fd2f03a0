import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestIvsChatLogs, roomArnFromLogStream } from '../../functions/ivs-chat-log';
import { reviewIvsMessage } from '../../functions/ivs-review';
import { fixture, startHarness, storedEvents, type Harness } from '../support/harness';
import { channelKey } from '../../functions/core/providers';

const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
const CHANNEL = channelKey('ivs', ROOM);

function logsEvent(
  records: unknown[],
  logStream = 'aws/IVSChatLogs/1.0/room_g1H2I3J4k5L6',
): CloudWatchLogsEvent {
  const payload = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/ivs/chat',
    logStream,
    subscriptionFilters: ['bridge'],
    logEvents: records.map((record, i) => ({
      id: String(i),
      timestamp: 1714644005123,
      message: typeof record === 'string' ? record : JSON.stringify(record),
    })),
  };
  return { awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } };
}

describe('IVS message review handler', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(() => harness.close());

  it('answers ALLOW with content and attributes unchanged and stores the message', async () => {
    const input = fixture('ivs/review-handler-input.json');

    const result = await reviewIvsMessage(input, {
      now: () => new Date('2024-05-02T10:00:05.000Z'),
    });

    expect(result).toEqual({ ReviewResult: 'ALLOW', Content: 'hello', Attributes: { k: 'v' } });
    const [stored, ...rest] = await storedEvents(harness, CHANNEL);
    expect(rest).toHaveLength(0);
    expect(stored?.echo).toBe(false);
    expect(stored?.event).toMatchObject({
      specversion: '1.0',
      type: 'chat.message.created',
      source: 'chat-bridge/ivs',
      subject: 'support',
      time: '2024-05-02T10:00:05.000Z',
      data: {
        provider: 'ivs',
        channel: { id: ROOM },
        sender: { id: 'user-42', displayName: 'Ana' },
        message: { id: '5OPsDdX18qcJ', text: 'hello', attachments: [], meta: { k: 'v' } },
      },
    });
    expect(stored?.raw).toEqual(input);
  });

  it('stores a bridge echo flagged as an echo, with relayOf from the marker', async () => {
    const result = await reviewIvsMessage(fixture('ivs/review-handler-input-bridge-echo.json'));

    expect(result.ReviewResult).toBe('ALLOW');
    expect(result.Attributes).toEqual({ bridge_origin: 'gitple', orig_id: '1012' });
    const [stored] = await storedEvents(harness, CHANNEL);
    expect(stored?.echo).toBe(true);
    expect(stored?.event.data.message?.meta).toBeUndefined();
  });

  it('still answers ALLOW within the budget when the store fails', async () => {
    await harness.dynamo.close();
    const started = performance.now();

    const result = await reviewIvsMessage(fixture('ivs/review-handler-input.json'), {
      budgetMs: 50,
    });

    expect(result.ReviewResult).toBe('ALLOW');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('answers ALLOW for input it cannot parse, and stores nothing', async () => {
    const result = await reviewIvsMessage({ Content: 'x', MessageId: '', RoomArn: 'nope' });

    expect(result).toEqual({ ReviewResult: 'ALLOW', Content: 'x', Attributes: {} });
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(0);
    expect(harness.requests).not.toContain('PutItemCommand');
  });
});

describe('IVS chat-logging ingest', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(() => harness.close());

  it('rebuilds the room ARN from the log stream name', () => {
    expect(
      roomArnFromLogStream('aws/IVSChatLogs/1.0/room_g1H2I3J4k5L6', '123456789012', 'us-west-2'),
    ).toBe(ROOM);
    expect(roomArnFromLogStream('unrelated', '123456789012', 'us-west-2')).toBeUndefined();
  });

  it('ingests a message the review handler already stored as a duplicate, not a second event', async () => {
    await reviewIvsMessage(fixture('ivs/review-handler-input.json'));

    const outcome = await ingestIvsChatLogs(logsEvent([fixture('ivs/chat-log-message.json')]));

    expect(outcome).toEqual({ stored: 0, duplicates: 1, rejected: 0 });
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(1);
  });

  it('turns aws:DELETE_MESSAGE into chat.message.deleted of the original message', async () => {
    const outcome = await ingestIvsChatLogs(logsEvent([fixture('ivs/chat-log-delete-event.json')]));

    expect(outcome.stored).toBe(1);
    const [stored] = await storedEvents(harness, CHANNEL);
    expect(stored?.event).toMatchObject({
      type: 'chat.message.deleted',
      time: '2024-05-02T10:01:00.000Z',
      data: { message: { id: '5OPsDdX18qcJ', meta: { reason: 'Spam' } } },
    });
  });

  it('stores the good records of a delivery beside a bad one', async () => {
    const outcome = await ingestIvsChatLogs(
      logsEvent([
        'not json',
        { type: 'MESSAGE', payload: {} },
        fixture('ivs/chat-log-message.json'),
      ]),
    );

    expect(outcome).toEqual({ stored: 1, duplicates: 0, rejected: 2 });
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(1);
  });

  it('rejects a record past a hard limit instead of failing (and so retrying) the whole delivery', async () => {
    const message = fixture<{ payload: Record<string, unknown> }>('ivs/chat-log-message.json');
    const longSender = {
      ...message,
      payload: {
        ...message.payload,
        Id: 'other',
        Sender: { UserId: 'u'.repeat(300), Attributes: {} },
      },
    };

    const outcome = await ingestIvsChatLogs(logsEvent([longSender, message]));

    expect(outcome).toEqual({ stored: 1, duplicates: 0, rejected: 1 });
    expect(await storedEvents(harness, CHANNEL)).toHaveLength(1);
  });

  it('acknowledges custom events without storing them', async () => {
    const custom = {
      event_timestamp: '2024-05-02T10:00:06Z',
      type: 'EVENT',
      version: '1.0',
      payload: {
        Type: 'EVENT',
        Id: 'AYk6xKitV4On',
        EventName: 'app:confetti',
        Attributes: {},
        SendTime: '2024-05-02T10:00:06Z',
      },
    };

    const outcome = await ingestIvsChatLogs(logsEvent([custom]));

    expect(outcome).toEqual({ stored: 0, duplicates: 0, rejected: 0 });
    expect([...harness.metrics.counts.keys()]).toContain(
      'IgnoredEvents|provider=ivs,kind=EVENT:app:confetti',
    );
  });
});
