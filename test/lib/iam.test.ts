import { describe, expect, it } from 'vitest';
import { STREAM_CONSUMERS, type FunctionName } from '../../functions/definitions/functions';
import { FUNCTION_NAMES, wiringOf } from '../../lib/function-wiring';
import type { ChatBridge } from '../../lib/chat-bridge';
import {
  ROOM_A,
  ROOM_B,
  logicalIdOf,
  resourcesOf,
  synthTestStack,
  type Resources,
} from './stack-fixture';

interface Statement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
}

/** Actions that have no resource-level permissions at all; nothing else may use `*`. */
const RESOURCE_STAR_ONLY = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  // Lambda's stream mapping needs it; DynamoDB cannot scope it (test below: stream readers only).
  'dynamodb:ListStreams',
];

const TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];

type Access = Partial<Record<'table' | 'bySubject' | 'byGsi1', string[]>>;

const READ_BRIDGES = ['dynamodb:GetItem', 'dynamodb:Scan'];

/** The relay's delivery path, which the relay, the DLQ replay and its operator routes share. */
const DELIVERY_ACCESS = {
  events: {},
  state: {
    table: [
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ],
    byGsi1: ['dynamodb:Query'],
  },
  bridges: READ_BRIDGES,
};
const WRITE_BRIDGES = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];

/**
 * The table access each function needs, read off its code path in functions/ (the spec the
 * wiring must meet): events table and index on the left, state table and index on the right.
 */
const EXPECTED_TABLE_ACCESS: Record<
  FunctionName,
  { events: Access; state: Access; bridges?: string[] }
> = {
  Health: { events: {}, state: {} },
  Webhook: { events: { table: ['dynamodb:PutItem'] }, state: {}, bridges: WRITE_BRIDGES },
  IvsReview: { events: { table: ['dynamodb:PutItem'] }, state: {}, bridges: WRITE_BRIDGES },
  IvsChatLog: { events: { table: ['dynamodb:PutItem'] }, state: {}, bridges: WRITE_BRIDGES },
  History: { events: { bySubject: ['dynamodb:Query'] }, state: {}, bridges: READ_BRIDGES },
  Bridges: { events: {}, state: {}, bridges: WRITE_BRIDGES },
  Tokens: { events: {}, state: {}, bridges: READ_BRIDGES },
  AuthAzStack: { events: {}, state: {} },
  Relay: DELIVERY_ACCESS,
  DeadLetters: DELIVERY_ACCESS,
  // The same list and replay as DeadLetters, behind the operator role.
  DeadLettersApi: DELIVERY_ACCESS,
  // A static page: no table at all.
  Console: { events: {}, state: {} },
  FanOut: { events: {}, state: {} },
  WsConnect: { events: {}, state: { table: ['dynamodb:PutItem'] } },
  WsDisconnect: { events: {}, state: { table: ['dynamodb:BatchWriteItem', 'dynamodb:Query'] } },
  WsMessage: {
    events: { table: ['dynamodb:PutItem'], bySubject: ['dynamodb:Query'] },
    state: {
      table: [
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
      ],
    },
    bridges: READ_BRIDGES,
  },
  Pollers: { events: { table: ['dynamodb:PutItem'] }, state: {}, bridges: WRITE_BRIDGES },
};

function policyView(stack: ChatBridge, resources: Resources) {
  const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
  const statementsOf = (name: FunctionName): Statement[] => {
    const roleId = logicalIdOf(stack, stack.functions[name].role);
    return policies
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  };
  return { policies, statementsOf };
}

const actions = (s: Statement) => [s.Action].flat();

/** Who may call `action`, and on what: `[{ name, resource }]`, by function name. */
function grantsOf(statementsOf: (name: FunctionName) => Statement[], action: string) {
  return [...FUNCTION_NAMES].sort().flatMap((name) =>
    statementsOf(name)
      .filter((s) => actions(s).includes(action))
      .map((s) => ({ name, resource: s.Resource })),
  );
}

describe('IAM: least privilege in the synthesized policies', () => {
  const { stack, template } = synthTestStack();
  const resources = resourcesOf(template);
  const { policies, statementsOf } = policyView(stack, resources);
  const arnOf = (construct: Parameters<typeof logicalIdOf>[1], attribute = 'Arn') => ({
    'Fn::GetAtt': [logicalIdOf(stack, construct), attribute],
  });
  const eventsArn = arnOf(stack.eventsTable);
  const stateArn = arnOf(stack.stateTable);
  const bridgesArn = arnOf(stack.bridgesTable);
  const resourceOf = (table: object, target: string) =>
    target === 'table' ? table : { 'Fn::Join': ['', [table, `/index/${target}`]] };

  it('uses Resource "*" only for actions that support nothing narrower', () => {
    // Act
    const starred = policies
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => s.Resource === '*' || JSON.stringify(s.Resource).includes('"*"'));

    // Assess
    expect(starred.length).toBeGreaterThan(0);
    for (const statement of starred) {
      expect(statement.Resource).toBe('*');
      expect(RESOURCE_STAR_ONLY).toEqual(expect.arrayContaining(actions(statement)));
    }
  });

  it('lists streams only for the stream consumers, and reads only the events stream', () => {
    // Prepare
    const consumers = STREAM_CONSUMERS.map((c) => c.function);

    // Act
    const listers = grantsOf(statementsOf, 'dynamodb:ListStreams').map((g) => g.name);
    const readers = grantsOf(statementsOf, 'dynamodb:GetRecords');

    // Assess
    expect(listers).toEqual(consumers);
    expect(readers).toEqual(
      consumers.map((name) => ({ name, resource: arnOf(stack.eventsTable, 'StreamArn') })),
    );
  });

  it('attaches no managed policy to any function role (logs go to its own group only)', () => {
    // Prepare
    const functionRoleIds = FUNCTION_NAMES.map((name) =>
      logicalIdOf(stack, stack.functions[name].role),
    );

    // Act
    const functionRoles = functionRoleIds.map((id) => resources[id]);

    // Assess
    for (const role of functionRoles) expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    for (const name of FUNCTION_NAMES) {
      expect(statementsOf(name)).toContainEqual({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(stack.functions[name].logGroup),
      });
    }
  });

  it('has two roles besides the function roles: API Gateway logging, and the custom resources’ (bridges seeding, IVS chat logging)', () => {
    // Prepare
    const functionRoleIds = new Set(
      FUNCTION_NAMES.map((name) => logicalIdOf(stack, stack.functions[name].role)),
    );
    const cloudWatchRoleId = logicalIdOf(stack, stack.webSocket.cloudWatchRole);
    const seedingRoleId = Object.keys(resources).find(
      (id) => id.startsWith('AWS679f53fac002430cb0da5b7982bd2287') && id.includes('ServiceRole'),
    );

    // Act
    const others = Object.keys(resources).filter(
      (id) => resources[id]?.Type === 'AWS::IAM::Role' && !functionRoleIds.has(id),
    );
    const seedingStatements = policies
      .filter(
        (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: seedingRoleId }]),
      )
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

    // Assess
    expect(others.sort()).toEqual([cloudWatchRoleId, seedingRoleId].sort());
    expect(seedingStatements.length).toBeGreaterThan(0);
    // One CDK-provided function serves every AwsCustomResource of the stack: it may update the
    // bridges table (seeding) and the bridged IVS rooms (attaching chat logging), nothing else.
    for (const statement of seedingStatements) {
      if (statement.Action === 'ivschat:UpdateRoom') continue;
      expect(statement).toEqual({
        Action: 'dynamodb:UpdateItem',
        Effect: 'Allow',
        Resource: bridgesArn,
      });
    }
    expect(new Set(seedingStatements.map((s) => s.Action))).toEqual(
      new Set(['dynamodb:UpdateItem', 'ivschat:UpdateRoom']),
    );
    expect(resources[cloudWatchRoleId]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [{ Principal: { Service: 'apigateway.amazonaws.com' } }],
        },
      },
    });
    template.hasResourceProperties('AWS::ApiGateway::Account', {
      CloudWatchRoleArn: arnOf(stack.webSocket.cloudWatchRole),
    });
  });

  it.each(FUNCTION_NAMES)('%s reads the provider secret only if its wiring says so', (name) => {
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
          // GetSecretValue only: DescribeSecret (CDK's grantRead adds it) has no caller.
          Action: 'secretsmanager:GetSecretValue',
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

  it.each(FUNCTION_NAMES)('%s touches the tables exactly as its code path needs', (name) => {
    // Prepare
    const expected = EXPECTED_TABLE_ACCESS[name];
    const statementsFor = (table: object, access: Access) =>
      Object.entries(access).map(([target, list]) => ({
        Action: list.length === 1 ? list[0] : list,
        Effect: 'Allow',
        Resource: resourceOf(table, target),
      }));

    // Act
    const dynamo = statementsOf(name).filter((s) =>
      actions(s).some((a) => TABLE_ACTIONS.includes(a)),
    );

    // Assess
    expect(dynamo).toEqual(
      expect.arrayContaining([
        ...statementsFor(eventsArn, expected.events),
        ...statementsFor(stateArn, expected.state),
        ...(expected.bridges ? statementsFor(bridgesArn, { table: expected.bridges }) : []),
      ]),
    );
    expect(dynamo).toHaveLength(
      Object.keys(expected.events).length +
        Object.keys(expected.state).length +
        (expected.bridges ? 1 : 0),
    );
  });

  it('lets the pushers manage connections on the one WebSocket stage, POST only', () => {
    // Prepare
    const stageConnections = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':execute-api:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':',
          { Ref: logicalIdOf(stack, stack.webSocket.api) },
          '/live/POST/@connections/*',
        ],
      ],
    };

    // Act
    const grants = grantsOf(statementsOf, 'execute-api:ManageConnections');

    // Assess
    expect(grants).toEqual(
      ['DeadLetters', 'DeadLettersApi', 'FanOut', 'Relay', 'WsMessage'].map((name) => ({
        name,
        resource: stageConnections,
      })),
    );
  });

  it('lets only the relay invoke a function, and only FanOut, which may only post to connections', () => {
    // Prepare
    const fanOutArn = arnOf(stack.functions.FanOut.function);
    const fanOutEnv = (
      resources[logicalIdOf(stack, stack.functions.FanOut.function)]?.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    const relayEnv = (
      resources[logicalIdOf(stack, stack.functions.Relay.function)]?.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;

    // Act
    const invokers = grantsOf(statementsOf, 'lambda:InvokeFunction');
    const fanOutActions = statementsOf('FanOut')
      .flatMap(actions)
      .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'));

    // Assess
    expect(invokers).toEqual([{ name: 'Relay', resource: fanOutArn }]);
    expect(fanOutActions).toEqual(['execute-api:ManageConnections']);
    expect(relayEnv.FANOUT_FUNCTION_NAME).toEqual({
      Ref: logicalIdOf(stack, stack.functions.FanOut.function),
    });
    expect(Object.keys(fanOutEnv)).toContain('WS_MANAGEMENT_ENDPOINT');
    expect(Object.keys(fanOutEnv)).not.toContain('DEAD_LETTER_QUEUE_URL');
  });

  it('lets the relay park failed deliveries and only the dlq operator read them back', () => {
    // Prepare
    const queueArn = arnOf(stack.deliveryDeadLetters);

    // Act
    const grants = [...FUNCTION_NAMES].sort().flatMap((name) =>
      statementsOf(name)
        .filter((s) => JSON.stringify(s.Resource) === JSON.stringify(queueArn))
        .map((s) => ({ name, actions: actions(s) })),
    );

    // Assess
    expect(grants).toEqual([
      ...['DeadLetters', 'DeadLettersApi'].map((name) => ({
        name,
        actions: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:ReceiveMessage',
          'sqs:SendMessage',
        ],
      })),
      { name: 'Relay', actions: ['sqs:SendMessage'] },
    ]);
  });

  it('creates IVS chat tokens for users (Tokens) and the relay bot, on the bridged rooms only', () => {
    // Act
    const tokenGrants = grantsOf(statementsOf, 'ivschat:CreateChatToken');

    // Assess
    expect(tokenGrants).toEqual([
      { name: 'DeadLetters', resource: [ROOM_A, ROOM_B] },
      { name: 'DeadLettersApi', resource: [ROOM_A, ROOM_B] },
      { name: 'Relay', resource: [ROOM_A, ROOM_B] },
      { name: 'Tokens', resource: [ROOM_A, ROOM_B] },
    ]);
  });

  it('lets only the delivery path delete relayed IVS messages, in the bridged rooms', () => {
    // Act
    const deletes = grantsOf(statementsOf, 'ivschat:DeleteMessage');

    // Assess
    expect(deletes).toEqual([
      { name: 'DeadLetters', resource: [ROOM_A, ROOM_B] },
      { name: 'DeadLettersApi', resource: [ROOM_A, ROOM_B] },
      { name: 'Relay', resource: [ROOM_A, ROOM_B] },
    ]);
    expect(grantsOf(statementsOf, 'ivschat:SendEvent')).toEqual([]);
  });
});

describe('IAM: the relay writes only to IVS rooms that accept output, by their mode', () => {
  const inOnly = 'arn:aws:ivschat:us-west-2:123456789012:room/InOnly1';
  const events = 'arn:aws:ivschat:us-west-2:123456789012:room/EventMode1';
  const messages = 'arn:aws:ivschat:us-east-1:123456789012:room/OutOnly1';
  const { stack, template } = synthTestStack({
    bridges: {
      bridges: [
        {
          id: 'stage',
          channels: [
            { provider: 'ivs', channel: inOnly, direction: 'in' },
            { provider: 'ivs', channel: events, mode: 'event' },
            { provider: 'ivs', channel: messages, direction: 'out' },
          ],
        },
      ],
    },
  });
  const { statementsOf } = policyView(stack, resourcesOf(template));

  it('tokens for users in every room, bot sessions in message rooms, events in event rooms', () => {
    // Act
    const tokens = grantsOf(statementsOf, 'ivschat:CreateChatToken');
    const sendEvents = grantsOf(statementsOf, 'ivschat:SendEvent');
    const deletes = grantsOf(statementsOf, 'ivschat:DeleteMessage');

    // Assess
    expect(tokens).toEqual([
      { name: 'DeadLetters', resource: messages },
      { name: 'DeadLettersApi', resource: messages },
      { name: 'Relay', resource: messages },
      { name: 'Tokens', resource: [inOnly, events, messages] },
    ]);
    expect(sendEvents).toEqual([
      { name: 'DeadLetters', resource: events },
      { name: 'DeadLettersApi', resource: events },
      { name: 'Relay', resource: events },
    ]);
    expect(deletes).toEqual([
      { name: 'DeadLetters', resource: [messages, events] },
      { name: 'DeadLettersApi', resource: [messages, events] },
      { name: 'Relay', resource: [messages, events] },
    ]);
  });
});

describe('grants follow the code that uses them', () => {
  it('gives the relay state every DynamoDB operation DynamoRelayState sends', async () => {
    const { readFileSync } = await import('node:fs');
    const { STATE_ACCESS } = await import('../../lib/table-access');
    // The store and the helpers it sends through.
    const source = ['dynamo-relay-state.ts', 'dynamo-batch-write.ts']
      .map((file) => readFileSync(`functions/infra/${file}`, 'utf8'))
      .join('\n');
    const used = [...source.matchAll(/new (\w+)Command\(/g)].map((m) => `dynamodb:${m[1]}`);

    expect(used.length).toBeGreaterThan(0);
    expect(STATE_ACCESS.relayState.actions).toEqual(expect.arrayContaining([...new Set(used)]));
  });
});

describe('IAM: IVS rooms for bridges made at run time (ivsRooms)', () => {
  const ALL_ROOMS = 'arn:aws:ivschat:us-west-2:123456789012:room/*';
  const EXTRA = 'arn:aws:ivschat:eu-central-1:123456789012:room/Extra1';

  it('grants the file rooms only by default, and says so to the operator API', () => {
    // Prepare
    const { stack, template } = synthTestStack();
    const { statementsOf } = policyView(stack, resourcesOf(template));
    const bridges = resourcesOf(template)[logicalIdOf(stack, stack.functions.Bridges.function)]!;

    // Act
    const tokens = grantsOf(statementsOf, 'ivschat:CreateChatToken');

    // Assess
    expect(tokens.find((g) => g.name === 'Tokens')?.resource).toEqual([ROOM_A, ROOM_B]);
    expect(
      (bridges.Properties.Environment as { Variables: Record<string, unknown> }).Variables
        .IVS_REACHABLE_ROOMS,
    ).toBe(`${ROOM_A},${ROOM_B}`);
  });

  it('adds each allowed entry to tokens, every relay write, review invokes and the API check', () => {
    // Prepare
    const { stack, template } = synthTestStack({ ivsRooms: [ALL_ROOMS, EXTRA] });
    const resources = resourcesOf(template);
    const { statementsOf } = policyView(stack, resources);
    const bridges = resources[logicalIdOf(stack, stack.functions.Bridges.function)]!;
    const reviewSources = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Permission')
      .filter((r) => r.Properties.Principal === 'ivschat.amazonaws.com')
      .map((r) => r.Properties.SourceArn);

    // Act / Assess
    expect(grantsOf(statementsOf, 'ivschat:CreateChatToken')).toEqual(
      ['DeadLetters', 'DeadLettersApi', 'Relay', 'Tokens'].map((name) => ({
        name,
        resource: [ROOM_A, ROOM_B, ALL_ROOMS, EXTRA],
      })),
    );
    expect(grantsOf(statementsOf, 'ivschat:SendEvent')).toEqual(
      ['DeadLetters', 'DeadLettersApi', 'Relay'].map((name) => ({
        name,
        resource: [ALL_ROOMS, EXTRA],
      })),
    );
    expect(reviewSources.sort()).toEqual([ROOM_A, ROOM_B, ALL_ROOMS, EXTRA].sort());
    expect(
      (bridges.Properties.Environment as { Variables: Record<string, unknown> }).Variables
        .IVS_REACHABLE_ROOMS,
    ).toBe([ROOM_A, ROOM_B, ALL_ROOMS, EXTRA].join(','));
  });

  it('refuses an entry that is neither a room ARN nor an account-and-region room/*', () => {
    expect(() => synthTestStack({ ivsRooms: ['arn:aws:ivschat:*:*:room/*'] })).toThrow(
      /props\.ivsRooms\[0\] "arn:aws:ivschat:\*:\*:room\/\*" is neither an IVS room ARN/,
    );
  });
});
