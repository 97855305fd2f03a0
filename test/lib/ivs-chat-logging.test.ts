import { describe, expect, it } from 'vitest';
import { ROOM_A, ROOM_B, logicalIdOf, resourcesOf, synthTestStack } from './stack-fixture';

describe('IVS chat logging', () => {
  const { stack, template } = synthTestStack();
  const resources = resourcesOf(template);
  const configurationId = logicalIdOf(stack, stack.ivsChatLogging.configuration);
  const configurationArn = { 'Fn::GetAtt': [configurationId, 'Arn'] };

  it('sends the bridged rooms’ chat logs to the chat-log group the chat-log handler reads', () => {
    expect(resources[configurationId]?.Properties).toEqual({
      DestinationConfiguration: {
        CloudWatchLogs: { LogGroupName: { Ref: logicalIdOf(stack, stack.ivs.chatLogGroup) } },
      },
    });
  });

  it('attaches the configuration to each bridged room with UpdateRoom, and detaches it on delete', () => {
    // Custom::AWS resources also seed the bridges table; these are the UpdateRoom ones.
    const attachments = Object.values(resources).filter(
      (r) => r.Type === 'Custom::AWS' && JSON.stringify(r.Properties.Create).includes('UpdateRoom'),
    );
    const calls = attachments.map((r) => {
      const create = JSON.stringify(r.Properties.Create);
      // Delete names no token, so it is plain JSON.
      const remove = JSON.parse(r.Properties.Delete as string) as {
        action: string;
        parameters: Record<string, unknown>;
      };
      return { create, remove };
    });

    expect(attachments).toHaveLength(2);
    for (const room of [ROOM_A, ROOM_B]) {
      const call = calls.find((c) => c.create.includes(room))!;
      expect(call.create).toContain('UpdateRoom');
      expect(call.create).toContain(configurationId);
      expect(call.remove).toEqual(
        expect.objectContaining({
          action: 'UpdateRoom',
          parameters: { identifier: room, loggingConfigurationIdentifiers: [] },
        }),
      );
    }
  });

  it('lets the attaching function update those rooms only, and only in the stack’s own account and region', () => {
    const policies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties).includes('ivschat:UpdateRoom'),
    );
    const statements = policies.flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
          .Statement,
    );

    expect(statements).toEqual(
      expect.arrayContaining([
        { Action: 'ivschat:UpdateRoom', Effect: 'Allow', Resource: [ROOM_A, configurationArn] },
        { Action: 'ivschat:UpdateRoom', Effect: 'Allow', Resource: [ROOM_B, configurationArn] },
      ]),
    );
    expect(JSON.stringify(statements)).not.toContain('"*"');
    const attachments = Object.values(resources).filter(
      (r) => r.Type === 'Custom::AWS' && JSON.stringify(r.Properties.Create).includes('UpdateRoom'),
    ) as { Condition?: string }[];
    expect(attachments).toHaveLength(2);
    const conditions = template.toJSON().Conditions as Record<string, unknown>;
    for (const attachment of attachments)
      expect(JSON.stringify(conditions[attachment.Condition!])).toContain('AWS::AccountId');
  });
});
