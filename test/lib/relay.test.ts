import { describe, expect, it } from 'vitest';
import { RELAY_STREAM_SETTINGS } from '../../functions/definitions/relay-settings';
import { logicalIdOf, resourcesOf, synthTestStack } from './stack-fixture';

describe('relay: the events stream and the delivery dead-letter queue', () => {
  const { stack, template } = synthTestStack();
  const resources = resourcesOf(template);
  const mappings = Object.values(resources).filter(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
  );

  it('feeds the events stream to the relay, INSERTs only, with RELAY_STREAM_SETTINGS', () => {
    // Prepare
    const relayRef = { Ref: logicalIdOf(stack, stack.functions.Relay.function) };

    // Act
    const [mapping, ...others] = mappings;

    // Assess
    expect(others).toEqual([]);
    expect(mapping?.Properties).toEqual({
      FunctionName: relayRef,
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.eventsTable), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: RELAY_STREAM_SETTINGS.batchSize,
      // No batching delay (issue 9): a relayed chat message never waits for a window.
      MaximumBatchingWindowInSeconds: 0,
      MaximumRetryAttempts: RELAY_STREAM_SETTINGS.retryAttempts,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: RELAY_STREAM_SETTINGS.parallelizationFactor,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
      DestinationConfig: {
        OnFailure: {
          Destination: {
            'Fn::GetAtt': [logicalIdOf(stack, stack.relay.streamFailures), 'Arn'],
          },
        },
      },
    });
  });

  it('uses exactly the settings the local stream emulation reads', () => {
    // Assess: the literal expectations above are these values; a drift breaks one side.
    expect(RELAY_STREAM_SETTINGS).toMatchObject({
      batchSize: 25,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 5,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      startingPosition: 'TRIM_HORIZON',
      filterPatterns: [{ eventName: ['INSERT'] }],
    });
  });

  it.each([
    ['delivery dead letters', () => stack.deliveryDeadLetters],
    ['stream failures', () => stack.relay.streamFailures],
  ] as const)('keeps %s 14 days, encrypted, reachable over TLS only', (_name, queue) => {
    // Prepare
    const queueId = logicalIdOf(stack, queue());

    // Act
    const policy = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::SQS::QueuePolicy' &&
        JSON.stringify(r.Properties.Queues) === JSON.stringify([{ Ref: queueId }]),
    );

    // Assess
    expect(resources[queueId]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    expect(resources[queueId]?.Properties.RedrivePolicy).toBeUndefined();
    expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain(
      '"aws:SecureTransport":"false"',
    );
  });
});
