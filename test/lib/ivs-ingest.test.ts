import { describe, expect, it } from 'vitest';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { IVS_CHAT_PRINCIPAL } from '../../lib/ivs-ingest';
import { ROOM_A, ROOM_B, logicalIdOf, synthTestStack } from './stack-fixture';

describe('IVS ingest paths', () => {
  const { stack, template } = synthTestStack();
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const permissions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Permission');

  it('lets each bridged room, and only those rooms, invoke the review handler', () => {
    // Prepare
    const reviewArn = {
      'Fn::GetAtt': [logicalIdOf(stack, stack.functions.IvsReview.function), 'Arn'],
    };

    // Act
    const ivsPermissions = permissions.filter((p) => p.Properties.Principal === IVS_CHAT_PRINCIPAL);

    // Assess
    expect(ivsPermissions.map((p) => p.Properties)).toEqual(
      expect.arrayContaining([
        {
          Action: 'lambda:InvokeFunction',
          FunctionName: reviewArn,
          Principal: 'ivschat.amazonaws.com',
          SourceArn: ROOM_A,
          SourceAccount: '123456789012',
        },
        {
          Action: 'lambda:InvokeFunction',
          FunctionName: reviewArn,
          Principal: 'ivschat.amazonaws.com',
          SourceArn: ROOM_B,
          SourceAccount: '210987654321',
        },
      ]),
    );
    expect(ivsPermissions).toHaveLength(2);
  });

  it('never grants invoke without a specific source', () => {
    // Act
    const unscoped = permissions.filter(
      (p) =>
        p.Properties.SourceArn === undefined ||
        JSON.stringify(p.Properties.SourceArn).includes('"*"'),
    );

    // Assess
    expect(unscoped).toEqual([]);
  });

  it('subscribes the chat-log handler to the IVS chat-log group, which keeps logs 30 days', () => {
    // Prepare
    const groupId = logicalIdOf(stack, stack.ivs.chatLogGroup);
    const chatLogArn = {
      'Fn::GetAtt': [logicalIdOf(stack, stack.functions.IvsChatLog.function), 'Arn'],
    };

    // Act / Assess
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: { Ref: groupId },
      DestinationArn: chatLogArn,
      FilterPattern: '',
    });
    expect(resources[groupId]?.Properties.RetentionInDays).toBe(30);
    expect(permissions.map((p) => p.Properties)).toContainEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: chatLogArn,
      Principal: 'logs.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [groupId, 'Arn'] },
    });
  });

  it('outputs the review handler ARN, the chat-log group name and the logging configuration', () => {
    // Act
    const outputs = template.toJSON().Outputs as Record<
      string,
      { Value: unknown; Description?: string }
    >;

    // Assess
    expect(outputs.IvsReviewHandlerArn?.Value).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack, stack.functions.IvsReview.function), 'Arn'],
    });
    expect(outputs.IvsChatLogGroupName?.Value).toEqual({
      Ref: logicalIdOf(stack, stack.ivs.chatLogGroup),
    });
    expect(outputs.IvsChatLoggingConfigurationArn?.Value).toEqual({
      'Fn::GetAtt': [
        Stack.of(stack).getLogicalId(stack.ivsChatLogging.configuration as CfnElement),
        'Arn',
      ],
    });
    expect(outputs.IvsChatLoggingConfigurationArn?.Description).toContain(
      'aws ivschat update-room',
    );
    expect(outputs.IvsChatLoggingSetup).toBeUndefined();
  });
});
