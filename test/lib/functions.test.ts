import { describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName } from '../../functions/infra/functions';
import { EVENTS_TABLE, STATE_TABLE } from '../../functions/infra/tables';
import { FUNCTION_WIRING, WIRED_FUNCTIONS } from '../../lib/function-wiring';
import { BUNDLED_BRIDGES_FILE } from '../../lib/house-function';
import { logicalIdOf, synthTestStack } from './stack-fixture';

describe('every deployed function, built by the house construct', () => {
  const { stack, template } = synthTestStack({
    settings: { GITPLE_HOST: 'live.example.com', APP_JWT_SECRET: 'must-never-reach-env' },
  });
  const resources = template.toJSON().Resources;
  const functionResource = (name: (typeof WIRED_FUNCTIONS)[number]) =>
    resources[logicalIdOf(stack, stack.functions[name].function)];

  it('deploys one Lambda per wired FUNCTIONS entry and none of the deferred ones', () => {
    // Prepare
    const deferred = (Object.keys(FUNCTIONS) as FunctionName[]).filter(
      (name) => 'deferred' in FUNCTION_WIRING[name],
    );

    // Act / Assess
    template.resourceCountIs('AWS::Lambda::Function', WIRED_FUNCTIONS.length);
    expect(WIRED_FUNCTIONS.length + deferred.length).toBe(Object.keys(FUNCTIONS).length);
    for (const name of deferred) expect(stack.node.tryFindChild(name)).toBeUndefined();
  });

  it.each(WIRED_FUNCTIONS)(
    '%s: Node.js 22 on arm64, memory and timeout from FUNCTIONS, X-Ray active',
    (name) => {
      // Act
      const { Properties } = functionResource(name);

      // Assess
      expect(Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: FUNCTIONS[name].memorySize,
        Timeout: FUNCTIONS[name].timeoutSeconds,
        Description: FUNCTIONS[name].description,
        TracingConfig: { Mode: 'Active' },
      });
    },
  );

  it.each(WIRED_FUNCTIONS)(
    '%s: source maps on, bundled bridges file, both table names in the environment',
    (name) => {
      // Act
      const variables = functionResource(name).Properties.Environment.Variables;

      // Assess
      expect(variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        BRIDGES_FILE: BUNDLED_BRIDGES_FILE,
        [EVENTS_TABLE.tableNameEnv]: { Ref: logicalIdOf(stack, stack.eventsTable) },
        [STATE_TABLE.tableNameEnv]: { Ref: logicalIdOf(stack, stack.stateTable) },
      });
    },
  );

  it.each(WIRED_FUNCTIONS)('%s: logs to its own log group kept for 30 days', (name) => {
    // Prepare
    const logGroupId = logicalIdOf(stack, stack.functions[name].logGroup);

    // Act
    const { Properties } = functionResource(name);

    // Assess
    expect(Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    expect(resources[logGroupId].Properties.RetentionInDays).toBe(30);
  });

  it('passes plain settings to the functions and drops secrets given as settings', () => {
    // Act
    const variables = functionResource('Webhook').Properties.Environment.Variables;

    // Assess
    expect(variables.GITPLE_HOST).toBe('live.example.com');
    expect(variables).not.toHaveProperty('APP_JWT_SECRET');
    expect(JSON.stringify(template.toJSON())).not.toContain('must-never-reach-env');
  });

  it('gives the asynchronously invoked chat-log handler the failure queue as its DLQ', () => {
    // Prepare
    const queueId = logicalIdOf(stack, stack.asyncFailures);

    // Act
    const { Properties } = functionResource('IvsChatLog');

    // Assess
    expect(Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    expect(resources[queueId].Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });
});
