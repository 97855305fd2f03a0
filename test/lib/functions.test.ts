import { describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName } from '../../functions/definitions/functions';
import { EVENTS_TABLE, STATE_TABLE } from '../../functions/definitions/tables';
import { ASYNC_INVOCATIONS, FUNCTION_NAMES, wiringOf } from '../../lib/function-wiring';
import { BUNDLED_BRIDGES_FILE } from '../../lib/house-function';
import { logicalIdOf, synthTestStack } from './stack-fixture';

describe('every deployed function, built by the house construct', () => {
  const { stack, template } = synthTestStack({
    settings: { GITPLE_HOST: 'live.example.com', APP_JWT_SECRET: 'must-never-reach-env' },
  });
  const resources = template.toJSON().Resources;
  const functionResource = (name: FunctionName) =>
    resources[logicalIdOf(stack, stack.functions[name].function)];

  it('deploys one Lambda per FUNCTIONS entry, each built by its own house construct', () => {
    // Act / Assess: plus the one CDK provides behind every AwsCustomResource (bridges seeding, IVS chat logging).
    template.resourceCountIs('AWS::Lambda::Function', Object.keys(FUNCTIONS).length + 1);
    expect([...FUNCTION_NAMES].sort()).toEqual(Object.keys(FUNCTIONS).sort());
    for (const name of FUNCTION_NAMES) expect(stack.node.tryFindChild(name)).toBeDefined();
  });

  it('runs every function of the stack on arm64, the CDK-provided custom resource one included', () => {
    // Act
    const functions = Object.entries(resources).filter(
      ([, r]) => (r as { Type: string }).Type === 'AWS::Lambda::Function',
    );

    // Assess
    expect(functions.length).toBe(Object.keys(FUNCTIONS).length + 1);
    for (const [id, resource] of functions) {
      expect([
        id,
        (resource as { Properties: { Architectures?: string[] } }).Properties.Architectures,
      ]).toEqual([id, ['arm64']]);
    }
  });

  it.each(FUNCTION_NAMES)(
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

  it.each(FUNCTION_NAMES)(
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

  it.each(FUNCTION_NAMES)('%s: logs to its own log group kept for 30 days', (name) => {
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

  it.each(FUNCTION_NAMES)(
    '%s: the failure queue is its DLQ exactly when it is invoked asynchronously',
    (name) => {
      // Prepare
      const queueArn = { 'Fn::GetAtt': [logicalIdOf(stack, stack.asyncFailures), 'Arn'] };

      // Act
      const { Properties } = functionResource(name);

      // Assess
      if (ASYNC_INVOCATIONS.includes(wiringOf(name).invocation)) {
        expect(Properties.DeadLetterConfig).toEqual({ TargetArn: queueArn });
      } else {
        expect(Properties.DeadLetterConfig).toBeUndefined();
      }
    },
  );

  it('keeps failed asynchronous invocations 14 days, encrypted', () => {
    // Act
    const queue = resources[logicalIdOf(stack, stack.asyncFailures)];

    // Assess
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it.each(FUNCTION_NAMES)(
    '%s: gets the WebSocket endpoint and the delivery DLQ URL only if it builds the relay runtime',
    (name) => {
      // Prepare
      const endpoint = {
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: logicalIdOf(stack, stack.webSocket.api) },
            '.execute-api.',
            { Ref: 'AWS::Region' },
            '.',
            { Ref: 'AWS::URLSuffix' },
            '/live',
          ],
        ],
      };

      // Act
      const variables = functionResource(name).Properties.Environment.Variables;

      // Assess
      if (wiringOf(name).relayRuntime) {
        expect(variables.WS_MANAGEMENT_ENDPOINT).toEqual(endpoint);
        expect(variables.DEAD_LETTER_QUEUE_URL).toEqual({
          Ref: logicalIdOf(stack, stack.deliveryDeadLetters),
        });
      } else if (wiringOf(name).managementEndpoint) {
        expect(variables.WS_MANAGEMENT_ENDPOINT).toEqual(endpoint);
        expect(variables).not.toHaveProperty('DEAD_LETTER_QUEUE_URL');
      } else {
        expect(variables).not.toHaveProperty('WS_MANAGEMENT_ENDPOINT');
        expect(variables).not.toHaveProperty('DEAD_LETTER_QUEUE_URL');
      }
    },
  );

  it('gives the console its WebSocket URL (the page connects there), and no other function', () => {
    // Act
    const withUrl = FUNCTION_NAMES.filter(
      (name) => 'WEBSOCKET_URL' in functionResource(name).Properties.Environment.Variables,
    );

    // Assess
    expect(withUrl).toEqual(['Console']);
    const variables = functionResource('Console').Properties.Environment.Variables;
    expect(JSON.stringify(variables.WEBSOCKET_URL)).toContain('wss://');
    expect(variables).not.toHaveProperty('PROVIDER_SECRETS_ARN');
  });

  it('outputs the WebSocket URL, the delivery DLQ, the dlq function name and the AZStack URL', () => {
    // Prepare
    const httpEndpoint = {
      'Fn::GetAtt': [logicalIdOf(stack, stack.httpApi.api), 'ApiEndpoint'],
    };

    // Act
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

    // Assess
    expect(JSON.stringify(outputs.WebSocketUrl?.Value)).toMatch(/^\{"Fn::Join":\["",\["wss:\/\//);
    expect(JSON.stringify(outputs.WebSocketUrl?.Value)).toContain('"/live"');
    expect(outputs.DeliveryDeadLetterQueueUrl?.Value).toEqual({
      Ref: logicalIdOf(stack, stack.deliveryDeadLetters),
    });
    expect(outputs.DeadLettersFunctionName?.Value).toEqual({
      Ref: logicalIdOf(stack, stack.functions.DeadLetters.function),
    });
    expect(outputs.AzStackAuthUrl?.Value).toEqual({
      'Fn::Join': ['', [httpEndpoint, '/auth/azstack']],
    });
  });
});
