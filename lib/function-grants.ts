import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { BRIDGES_TABLE, EVENTS_TABLE, STATE_TABLE } from '../functions/definitions/tables';
import type { FunctionWiring } from './function-wiring';
import { BRIDGES_ACCESS, EVENTS_ACCESS, STATE_ACCESS, tableStatements } from './table-access';

/** The IVS rooms the relay writes to, by how it writes (a bridge channel's `mode`). */
export interface IvsRelayRooms {
  /** Bot chat messages: a chat token per room, then the messaging WebSocket. */
  message: readonly string[];
  /** `bridge:message` custom events through SendEvent. */
  event: readonly string[];
}

export interface GrantTargets {
  eventsTable: ITable;
  stateTable: ITable;
  bridgesTable: ITable;
  providerSecrets: ISecret;
  /** `execute-api:ManageConnections` resource: POST to `@connections` on the one stage. */
  postToConnectionsArn: string;
  deliveryDeadLetters: IQueue;
  /** Every IVS room the stack reaches (lib/ivs-rooms.ts): users may get tokens for any of them. */
  ivsTokenRooms: readonly string[];
  ivsRelayRooms: IvsRelayRooms;
  /** The function `invokesFanOut` may invoke, and nothing else. */
  fanOutFunction: IFunction;
}

/** Everything `wiring` allows, as statements on `fn`'s role; nothing else is ever granted. */
export function grantWiring(fn: IFunction, wiring: FunctionWiring, targets: GrantTargets): void {
  const statements = [
    ...tableStatements(
      targets.eventsTable,
      EVENTS_TABLE,
      wiring.events.map((access) => EVENTS_ACCESS[access]),
    ),
    ...tableStatements(
      targets.stateTable,
      STATE_TABLE,
      wiring.state.map((access) => STATE_ACCESS[access]),
    ),
    ...tableStatements(
      targets.bridgesTable,
      BRIDGES_TABLE,
      wiring.bridges.map((access) => BRIDGES_ACCESS[access]),
    ),
    ...webSocketStatements(wiring, targets),
    ...deadLetterStatements(wiring, targets),
    ...ivsStatements(wiring, targets),
    ...fanOutStatements(wiring, targets),
    ...secretStatements(wiring, targets),
  ];
  for (const statement of statements) fn.addToRolePolicy(statement);
}

/**
 * GetSecretValue on the one secret: what functions/infra/secrets.ts calls. CDK's `grantRead`
 * would add DescribeSecret, which no code path uses (the AWS profile lists unused grants).
 */
function secretStatements(wiring: FunctionWiring, targets: GrantTargets): PolicyStatement[] {
  if (!wiring.providerSecrets) return [];
  return [
    new PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [targets.providerSecrets.secretArn],
    }),
  ];
}

function webSocketStatements(wiring: FunctionWiring, targets: GrantTargets): PolicyStatement[] {
  if (!wiring.webSocketPush) return [];
  return [
    new PolicyStatement({
      actions: ['execute-api:ManageConnections'],
      resources: [targets.postToConnectionsArn],
    }),
  ];
}

/** Invoke the FanOut function (unqualified ARN: the relay always invokes $LATEST). */
function fanOutStatements(wiring: FunctionWiring, targets: GrantTargets): PolicyStatement[] {
  if (!wiring.invokesFanOut) return [];
  return [
    new PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [targets.fanOutFunction.functionArn],
    }),
  ];
}

/** Exactly the SQS calls of SqsDeadLetterQueue (park) and SqsDeadLetterReader (operate). */
function deadLetterStatements(wiring: FunctionWiring, targets: GrantTargets): PolicyStatement[] {
  if (!wiring.deliveryDeadLetters) return [];
  const actions = {
    park: ['sqs:SendMessage'],
    operate: [
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ],
  }[wiring.deliveryDeadLetters];
  return [new PolicyStatement({ actions, resources: [targets.deliveryDeadLetters.queueArn] })];
}

function ivsStatements(wiring: FunctionWiring, targets: GrantTargets): PolicyStatement[] {
  const statements: { action: string; rooms: readonly string[] }[] = [];
  if (wiring.ivsChatTokens) {
    statements.push({ action: 'ivschat:CreateChatToken', rooms: targets.ivsTokenRooms });
  }
  if (wiring.ivsRelay) {
    const { message, event } = targets.ivsRelayRooms;
    // The bot's own chat session in each message-mode room.
    statements.push({ action: 'ivschat:CreateChatToken', rooms: message });
    statements.push({ action: 'ivschat:SendEvent', rooms: event });
    // Deletes follow the original into every room the relay wrote a copy to.
    statements.push({ action: 'ivschat:DeleteMessage', rooms: [...message, ...event] });
  }
  return statements
    .filter((s) => s.rooms.length > 0)
    .map((s) => new PolicyStatement({ actions: [s.action], resources: [...s.rooms] }));
}
