import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { nagPacks } from '../../bin/app';
import { PROVIDERS } from '../../functions/providers';
import { parseBridges } from '../../functions/runtime/bridges-file';
import { ChatBridge, type ChatBridgeProps } from '../../lib/chat-bridge';
import { addChatBridgeOutputs } from '../../lib/chat-bridge-outputs';
import { TEST_BRIDGES_DOCUMENT, writeBridgesFile } from './stack-fixture';

/** A customer's own app: its stack, its names, the bridge added as one construct. */
function foreignApp(build: (stack: Stack, props: ChatBridgeProps) => void) {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'chat-bridge-foreign-')) });
  const stack = new Stack(app, 'CustomerPlatform', { stackName: 'customer-platform' });
  build(stack, {
    bridges: parseBridges(TEST_BRIDGES_DOCUMENT),
    providers: PROVIDERS.modules,
    bridgesFile: writeBridgesFile(),
    bundlingMode: 'skip',
  });
  return { app, stack };
}

function nagFindings(app: App): string[] {
  return nagPacks(app).flatMap((pack) =>
    pack
      .validateScope(app)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
      ),
  );
}

// Synthesizing whole apps with cdk-nag is CPU-bound: seconds alone, longer beside other suites.
describe('ChatBridge, the construct an existing CDK app adds', { timeout: 120_000 }, () => {
  it('synthesizes inside a foreign stack, twice side by side, with nothing colliding and cdk-nag clean', () => {
    // Prepare + Act
    const { app, stack } = foreignApp((scope, props) => {
      const support = new ChatBridge(scope, 'SupportBridge', props);
      const sales = new ChatBridge(scope, 'SalesBridge', {
        ...props,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      addChatBridgeOutputs(support, 'Support');
      addChatBridgeOutputs(sales, 'Sales');
    });
    const template = Template.fromStack(stack);

    // Assess: two of everything that is per bridge, one account-wide API Gateway setting.
    template.resourceCountIs('AWS::DynamoDB::Table', 6);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 4);
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    const tables = template.findResources('AWS::DynamoDB::Table');
    expect(
      Object.values(tables)
        .map((t) => t.DeletionPolicy)
        .sort(),
    ).toEqual(['Delete', 'Delete', 'Delete', 'Retain', 'Retain', 'Retain']);
    const outputs = Object.keys(template.toJSON().Outputs as object);
    expect(outputs).toEqual(
      expect.arrayContaining(['SupportHttpApiUrl', 'SalesHttpApiUrl', 'SalesWebhookUrlGitple']),
    );
    expect(new Set(outputs).size).toBe(outputs.length);
    expect(nagFindings(app)).toEqual([]);
  });

  it('exposes its outputs as typed properties for the app to use', () => {
    let bridge!: ChatBridge;
    const { stack } = foreignApp((scope, props) => {
      bridge = new ChatBridge(scope, 'Bridge', props);
      new CfnOutput(scope, 'CustomerChatApi', { value: bridge.outputs.httpApiUrl.value });
    });

    expect(Object.keys(bridge.outputs.webhookUrls).sort()).toEqual(
      PROVIDERS.webhookProviders().sort(),
    );
    expect(bridge.alarms.all()).toHaveLength(5);
    expect(Template.fromStack(stack).toJSON().Outputs.CustomerChatApi.Value).toBeDefined();
  });

  it('notifies an SNS topic on every alarm and its recovery', () => {
    const { stack } = foreignApp((scope, props) => {
      const topic = new Topic(scope, 'OpsTopic');
      new ChatBridge(scope, 'Bridge', { ...props, alarms: { topic, iteratorAgeSeconds: 120 } });
    });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Threshold: 120_000,
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('OpsTopic') })],
      OKActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('OpsTopic') })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it.each([
    [{ bridgesFile: 'bridges.json' }, 'props.bridgesFile must be an absolute path'],
    [{ providers: [] }, 'props.providers must list the provider modules'],
    [
      { corsAllowedOrigins: ['app.example.com'] },
      'props.corsAllowedOrigins[0] "app.example.com" is not an origin',
    ],
    [{ alarms: { iteratorAgeSeconds: 0 } }, 'props.alarms.iteratorAgeSeconds must be a positive'],
  ])('refuses %j at synth, naming the prop', (bad, message) => {
    expect(() =>
      foreignApp((scope, props) => new ChatBridge(scope, 'Bridge', { ...props, ...bad })),
    ).toThrow(message);
  });
});
