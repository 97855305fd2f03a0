import { describe, expect, it } from 'vitest';
import { SCHEDULED_FUNCTIONS } from '../../functions/definitions/functions';
import { logicalIdOf, resourcesOf, synthTestStack } from './stack-fixture';

describe('scheduled functions', () => {
  const { stack, template } = synthTestStack();
  const resources = resourcesOf(template);

  it('schedules exactly SCHEDULED_FUNCTIONS', () => {
    // Act / Assess
    template.resourceCountIs('AWS::Events::Rule', SCHEDULED_FUNCTIONS.length);
    expect(SCHEDULED_FUNCTIONS.map((s) => s.function)).toEqual(['Pollers']);
  });

  it.each(SCHEDULED_FUNCTIONS)(
    'runs $function every $everyMinutes min, failed ticks to the async failure queue',
    (scheduled) => {
      // Prepare
      const rule = stack.schedules.rules.get(scheduled.function);
      const functionArn = {
        'Fn::GetAtt': [logicalIdOf(stack, stack.functions[scheduled.function].function), 'Arn'],
      };
      const queueArn = { 'Fn::GetAtt': [logicalIdOf(stack, stack.asyncFailures), 'Arn'] };

      // Act
      const properties = resources[logicalIdOf(stack, rule!)]?.Properties;

      // Assess
      expect(properties).toMatchObject({
        ScheduleExpression:
          scheduled.everyMinutes === 1
            ? 'rate(1 minute)'
            : `rate(${scheduled.everyMinutes} minutes)`,
        State: 'ENABLED',
        Targets: [
          {
            Arn: functionArn,
            DeadLetterConfig: { Arn: queueArn },
            RetryPolicy: { MaximumEventAgeInSeconds: scheduled.everyMinutes * 60 },
          },
        ],
      });
    },
  );

  it.each(SCHEDULED_FUNCTIONS)(
    '$function: at most $maxConcurrency at once, failures kept in its DLQ',
    (scheduled) => {
      // Prepare
      const functionId = logicalIdOf(stack, stack.functions[scheduled.function].function);
      const queueArn = { 'Fn::GetAtt': [logicalIdOf(stack, stack.asyncFailures), 'Arn'] };

      // Act
      const properties = resources[functionId]?.Properties;

      // Assess
      expect(scheduled.maxConcurrency).toBe(1);
      expect(properties?.ReservedConcurrentExecutions).toBe(scheduled.maxConcurrency);
      expect(properties?.DeadLetterConfig).toEqual({ TargetArn: queueArn });
    },
  );

  it('limits concurrency of the scheduled functions only', () => {
    // Act
    const limited = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .filter((r) => r.Properties.ReservedConcurrentExecutions !== undefined);

    // Assess
    expect(limited).toHaveLength(SCHEDULED_FUNCTIONS.length);
  });

  it('lets only its rule invoke the poller through EventBridge', () => {
    // Prepare
    const rule = stack.schedules.rules.get('Pollers');

    // Act
    const permissions = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' && r.Properties.Principal === 'events.amazonaws.com',
    );

    // Assess
    expect(permissions.map((p) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: {
          'Fn::GetAtt': [logicalIdOf(stack, stack.functions.Pollers.function), 'Arn'],
        },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalIdOf(stack, rule!), 'Arn'] },
      },
    ]);
  });
});
