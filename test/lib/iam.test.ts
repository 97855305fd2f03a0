import { describe, expect, it } from 'vitest';
import { EVENTS_TABLE } from '../../functions/infra/tables';
import { WIRED_FUNCTIONS, wiringOf, type WiredFunctionName } from '../../lib/function-wiring';
import { ROOM_A, ROOM_B, logicalIdOf, synthTestStack } from './stack-fixture';

interface Statement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
}

/** Actions that have no resource-level permissions at all; nothing else may use `*`. */
const RESOURCE_STAR_ONLY = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

describe('IAM: least privilege in the synthesized policies', () => {
  const { stack, template } = synthTestStack();
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
  const statementsOf = (name: WiredFunctionName): Statement[] => {
    const roleId = logicalIdOf(stack, stack.functions[name].role);
    return policies
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  };
  const actions = (s: Statement) => [s.Action].flat();
  const eventsArn = { 'Fn::GetAtt': [logicalIdOf(stack, stack.eventsTable), 'Arn'] };

  it('uses Resource "*" only for actions that support nothing narrower', () => {
    // Act
    const starred = policies
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => JSON.stringify(s.Resource).includes('*'));

    // Assess
    expect(starred.length).toBeGreaterThan(0);
    for (const statement of starred) {
      expect(statement.Resource).toBe('*');
      expect(RESOURCE_STAR_ONLY).toEqual(expect.arrayContaining(actions(statement)));
    }
  });

  it('attaches no managed policy to any function role (logs go to its own group only)', () => {
    // Act
    const roles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role');

    // Assess
    expect(roles).toHaveLength(WIRED_FUNCTIONS.length);
    for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    for (const name of WIRED_FUNCTIONS) {
      expect(statementsOf(name)).toContainEqual({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack, stack.functions[name].logGroup), 'Arn'] },
      });
    }
  });

  it.each(WIRED_FUNCTIONS)('%s reads the provider secret only if its wiring says so', (name) => {
    // Prepare
    const secretRef = { Ref: logicalIdOf(stack, stack.providerSecrets) };
    const environment = (
      resources[logicalIdOf(stack, stack.functions[name].function)]?.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;

    // Act
    const secretStatements = statementsOf(name).filter((s) =>
      actions(s).some((a) => a.startsWith('secretsmanager:')),
    );

    // Assess
    if (wiringOf(name).providerSecrets) {
      expect(secretStatements).toEqual([
        {
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Effect: 'Allow',
          Resource: secretRef,
        },
      ]);
      expect(environment.PROVIDER_SECRETS_ARN).toEqual(secretRef);
    } else {
      expect(secretStatements).toEqual([]);
      expect(environment).not.toHaveProperty('PROVIDER_SECRETS_ARN');
    }
  });

  it.each(WIRED_FUNCTIONS)('%s touches the tables only as its wiring says', (name) => {
    // Act
    const dynamo = statementsOf(name).filter((s) =>
      actions(s).some((a) => a.startsWith('dynamodb:')),
    );

    // Assess
    const expected = {
      none: [],
      ingest: [{ Action: 'dynamodb:PutItem', Effect: 'Allow', Resource: eventsArn }],
      history: [
        {
          Action: 'dynamodb:Query',
          Effect: 'Allow',
          Resource: [...EVENTS_TABLE.localIndexes, ...EVENTS_TABLE.globalIndexes].map((index) => ({
            'Fn::Join': ['', [eventsArn, `/index/${index.indexName}`]],
          })),
        },
      ],
    }[wiringOf(name).events];
    expect(dynamo).toEqual(expected);
  });

  it('lets only the token function create IVS chat tokens, for the bridged rooms only', () => {
    // Act
    const tokenGrants = WIRED_FUNCTIONS.flatMap((name) =>
      statementsOf(name)
        .filter((s) => actions(s).includes('ivschat:CreateChatToken'))
        .map((s) => ({ name, resource: s.Resource })),
    );

    // Assess
    expect(tokenGrants).toEqual([{ name: 'Tokens', resource: [ROOM_A, ROOM_B] }]);
  });
});
