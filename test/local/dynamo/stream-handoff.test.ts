import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { RELAY_STREAM_SETTINGS } from '../../../functions/definitions/relay-settings';
import { eventually, startTestBridge } from '../local-bridge';
import { consumer, nameOf, put } from './stream-helpers';

describe('local DynamoDB stream hand-off', () => {
  it('hands each record to the consumer as soon as it is written, with no batching window', async () => {
    // Prepare: the relay's own settings (window 0).
    const handedAt = new Map<string, number>();
    const bridge = await startTestBridge(
      consumer((event: DynamoDBStreamEvent) => {
        for (const record of event.Records) handedAt.set(nameOf(record), performance.now());
        return {};
      }),
    );
    try {
      // Act: one write at a time, each waiting for its hand-off (timed from the write's start).
      const delays: number[] = [];
      for (let i = 0; i < 10; i += 1) {
        const name = `m${i}`;
        const writing = performance.now();
        await put(bridge, 'room', name);
        await eventually(`${name} handed over`, () => handedAt.has(name));
        delays.push(handedAt.get(name)! - writing);
      }

      // Assess: far below the one-second window this replaced, even on a loaded machine.
      expect(RELAY_STREAM_SETTINGS.maxBatchingWindowSeconds).toBe(0);
      const median = [...delays].sort((a, b) => a - b)[Math.floor(delays.length / 2)]!;
      expect(median).toBeLessThan(250);
    } finally {
      await bridge.close();
    }
  });
});
