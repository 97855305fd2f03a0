import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { STREAM_CONSUMERS } from '../functions/definitions/functions';
import { BridgeSeeding } from './bridge-seeding';
import type { ChatBridge } from './chat-bridge';
import { FUNCTION_NAMES, wiringOf, type Invocation } from './function-wiring';

const X_RAY_ONLY_STAR =
  'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) has Resource "*": X-Ray ' +
  'supports no resource-level permissions.';

const LIST_STREAMS_STAR =
  'The events-stream mapping adds dynamodb:ListStreams on "*": the action supports no ' +
  'resource-level permissions, and Lambda checks for it when it creates the mapping; reading ' +
  'the stream itself (DescribeStream, GetRecords, GetShardIterator) names the stream ARN.';

/** Why a function has no DLQ of its own, by how it is invoked (async ones have one). */
const NO_DLQ_REASON: Partial<Record<Invocation, string>> = {
  sync:
    'Invoked synchronously only (API Gateway HTTP or WebSocket API, the IVS message review hook, ' +
    'or `npm run dlq` through Lambda Invoke): the caller receives the error, providers retry ' +
    'webhooks and clients resend frames. A DLQ only ever receives asynchronous invocations, so ' +
    'it would stay empty.',
  stream:
    'Invoked by the events-stream event source mapping, which is synchronous: a DLQ would stay ' +
    'empty. Batches that exhaust their retries go to the mapping on-failure destination ' +
    '(StreamFailures), and each delivery that fails after its own retries is parked, with its ' +
    'full payload, in the delivery DLQ.',
};

/**
 * Every cdk-nag finding this stack accepts, each on the narrowest construct it concerns and
 * with the reason it is accepted. Anything not listed here fails `cdk synth`
 * (test/lib/nag.test.ts runs the packs and expects no finding left).
 */
export function acknowledgeNagFindings(stack: ChatBridge): void {
  acknowledgeFunctions(stack);
  acknowledgeApis(stack);
  acknowledgeQueues(stack);
  acknowledgeBridgeSeeding(stack);

  acknowledge(stack.providerSecrets, {
    id: 'AwsSolutions-SMG4',
    reason:
      'Holds third-party credentials (Gitple, Pingstreams, TigerConnect, AZStack keys and the ' +
      'webhook keys registered in their consoles) that only the providers can reissue, so a ' +
      'rotation Lambda cannot rotate them. Manual rotation is picked up without a deploy: the ' +
      'functions re-read the secret every 5 minutes (functions/infra/secrets.ts).',
  });
}

function acknowledgeFunctions(stack: ChatBridge): void {
  const streamConsumers = new Set(STREAM_CONSUMERS.map((consumer) => consumer.function));
  for (const name of FUNCTION_NAMES) {
    const house = stack.functions[name];
    const wiring = wiringOf(name);

    acknowledge(house.role, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: [
        `Resource "*" appears only where an action supports nothing narrower. ${X_RAY_ONLY_STAR}`,
        ...(streamConsumers.has(name) ? [LIST_STREAMS_STAR] : []),
        'Every other statement names an ARN (test/lib/iam.test.ts checks that).',
      ].join(' '),
    });

    if (wiring.ivsChatTokens || wiring.ivsRelay) {
      for (const entry of stack.ivsRooms.reachable.filter((room) => room.endsWith('/*'))) {
        acknowledge(house.role, {
          id: `AwsSolutions-IAM5[Resource::${entry}]`,
          reason:
            'The deployer opted into every IVS room of this account and region (the ivsRooms ' +
            'prop, IVS_ROOMS at synth) so that bridges made at run time need no redeploy; the ' +
            'trailing "*" is the room id, which only exists once an operator creates the room. ' +
            'The actions stay the IVS calls this function makes, and the operator API refuses ' +
            'rooms outside the list.',
        });
      }
    }

    if (wiring.webSocketPush) {
      acknowledge(house.role, {
        id: `AwsSolutions-IAM5[Resource::${nagResourceLabel(Stack.of(stack), stack.webSocket.postToConnectionsArn)}]`,
        reason:
          'execute-api:ManageConnections is scoped to POST on the @connections of this one ' +
          'WebSocket API stage; the trailing "*" is the connection id, which API Gateway assigns ' +
          'to each client at run time and which therefore cannot be named in a policy.',
      });
    }

    const pinnedRuntime =
      'Pinned to nodejs22.x on purpose: bundles are built with esbuild target node22 and tested ' +
      'on Node 22, an AWS-supported LTS runtime. Moving to a newer runtime is a deliberate, ' +
      'tested change of the house function, not something to pick up implicitly.';
    acknowledge(house.function, { id: 'AwsSolutions-L1', reason: pinnedRuntime });
    acknowledge(house.function, { id: 'Serverless-LambdaLatestVersion', reason: pinnedRuntime });

    const noDlq = NO_DLQ_REASON[wiring.invocation];
    if (noDlq) acknowledge(house.function, { id: 'Serverless-LambdaDLQ', reason: noDlq });
  }
}

function acknowledgeApis(stack: ChatBridge): void {
  for (const route of stack.httpApi.routes) {
    acknowledge(route, {
      id: 'AwsSolutions-APIG4',
      reason:
        'No IAM/Cognito authorizer on purpose: GET /health is a public liveness probe that reveals ' +
        'only which providers are configured; POST /webhooks/{provider} is called by provider ' +
        'platforms that cannot sign AWS requests, and each delivery is verified by the handler ' +
        "with that provider's own scheme (constant-time ?key= or x-hook-secret, see functions/providers/README.md); " +
        'POST /auth/azstack is called by AZStack servers and verified by RSA token + md5 code; ' +
        'the app-facing routes (tokens, history, bridges) verify the app JWT (HS256 or RS256 via JWKS, ' +
        'algorithm pinned, exp required) in the handler, where that configuration lives.',
    });
  }

  for (const route of stack.webSocket.routes) {
    acknowledge(route, {
      id: 'AwsSolutions-APIG4',
      reason:
        route.routeKey === '$connect'
          ? '$connect authenticates in its function: browsers cannot set headers on a WebSocket, ' +
            'so the app JWT arrives as ?token= and WsConnect verifies it (HS256 or RS256 via ' +
            'JWKS, algorithm pinned, exp required) with the same verifier and configuration as ' +
            'the HTTP API; anything but a valid token answers 401 and the upgrade is refused.'
          : 'API Gateway authorizes a WebSocket connection once, at $connect, and never runs an ' +
            'authorizer on later frames or on $disconnect. The connection was authenticated ' +
            'there and its verified identity (sub, name, allowed bridges) is stored with it; ' +
            'this route reads that identity and refuses frames from unregistered connections.',
    });
  }

  acknowledge(stack.webSocket.cloudWatchRole, {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason:
      'This is the regional API Gateway account role that WebSocket stages need before they can ' +
      'log at all. It serves every REST and WebSocket API of the account and region, so it cannot ' +
      'be scoped to the log groups of this stack; the AWS-managed push policy is the documented policy ' +
      'for exactly this role and is kept current by AWS.',
  });
}

function acknowledgeQueues(stack: ChatBridge): void {
  const isADeadLetterQueue =
    'so a redrive policy would move failed items out of the one place they are kept for replay.';
  acknowledge(stack.asyncFailures, {
    id: 'Serverless-SQSRedrivePolicy',
    reason: `This queue is itself the dead-letter queue of the asynchronously invoked functions, ${isADeadLetterQueue}`,
  });

  const deliveryReason =
    'This queue is itself the dead-letter queue of the relay deliveries (SqsDeadLetterQueue ' +
    'parks each failed delivery with its full payload). `npm run dlq -- list` receives letters ' +
    'to show them, which counts as a receive, so a maxReceiveCount would move letters out ' +
    `after a few listings; ${isADeadLetterQueue}`;
  acknowledge(stack.deliveryDeadLetters, { id: 'AwsSolutions-SQS3', reason: deliveryReason });
  acknowledge(stack.deliveryDeadLetters, {
    id: 'Serverless-SQSRedrivePolicy',
    reason: deliveryReason,
  });

  const streamReason =
    'This queue is itself the on-failure destination (a dead-letter queue) of the events-stream ' +
    'mapping: Lambda writes what exhausted its retries here, nothing consumes it automatically, ' +
    isADeadLetterQueue;
  acknowledge(stack.relay.streamFailures, { id: 'AwsSolutions-SQS3', reason: streamReason });
  acknowledge(stack.relay.streamFailures, {
    id: 'Serverless-SQSRedrivePolicy',
    reason: streamReason,
  });
}

/** The CDK-provided Lambda behind the bridges-seeding custom resources (lib/bridge-seeding.ts). */
function acknowledgeBridgeSeeding(stack: ChatBridge): void {
  const seeding = BridgeSeeding.sharedFunction(stack);
  if (!seeding) return;
  acknowledge(seeding, {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'The AwsCustomResource provider Lambda is created by CDK with this managed policy for its ' +
      'own CloudWatch logs only (CreateLogGroup/Stream, PutLogEvents); its one data permission, ' +
      'dynamodb:UpdateItem on the bridges table ARN, is an inline statement (test/lib/bridges.test.ts).',
  });
  acknowledge(seeding, {
    id: 'Serverless-LambdaDLQ',
    reason:
      'Invoked by CloudFormation as a custom-resource provider, synchronously from the ' +
      "deployment's point of view: a failure fails and rolls back the deploy, so there is no " +
      'lost event for a DLQ to keep.',
  });
  acknowledge(seeding, {
    id: 'Serverless-LambdaTracing',
    reason:
      'Runs once per deploy to make a few UpdateItem calls whose results CloudFormation ' +
      'records; a trace would show nothing the deploy events do not, and the function is ' +
      'generated by CDK (no handler code of ours to instrument).',
  });
}

function acknowledge(scope: IConstruct, rule: { id: string; reason: string }): void {
  Validations.of(scope).acknowledge(rule);
}

/**
 * A resource as cdk-nag prints it in a finding id: the resolved value with `Fn::Join` joined,
 * `Ref` as `<LogicalId>` and `Fn::GetAtt` as `<LogicalId.Attribute>` (cdk-nag's
 * flattenCfnReference, which it does not export). The nag test fails if the two ever differ.
 */
function nagResourceLabel(stack: Stack, value: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const join = record['Fn::Join'] as [string, unknown[]] | undefined;
      if (join) return join[1].map(visit).join(join[0]);
      if (record.Ref !== undefined) return `<${visit(record.Ref)}>`;
      const getAtt = record['Fn::GetAtt'] as [unknown, unknown] | undefined;
      if (getAtt) return `<${visit(getAtt[0])}.${visit(getAtt[1])}>`;
    }
    return JSON.stringify(node);
  };
  return visit(Stack.of(stack).resolve(value));
}
