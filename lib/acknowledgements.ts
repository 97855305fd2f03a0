import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ChatBridgeStack } from './chat-bridge-stack';
import { WIRED_FUNCTIONS, wiringOf } from './function-wiring';

/**
 * Every cdk-nag finding this stack accepts, each on the narrowest construct it concerns and
 * with the reason it is accepted. Anything not listed here fails `cdk synth`
 * (test/lib/nag.test.ts runs the packs and expects no finding left).
 */
export function acknowledgeNagFindings(stack: ChatBridgeStack): void {
  for (const name of WIRED_FUNCTIONS) {
    const house = stack.functions[name];

    acknowledge(house.role, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) has Resource "*": ' +
        'X-Ray supports no resource-level permissions. Every other statement names an ARN ' +
        '(test/lib/iam.test.ts checks that).',
    });

    const pinnedRuntime =
      'Pinned to nodejs22.x on purpose: bundles are built with esbuild target node22 and tested ' +
      'on Node 22, an AWS-supported LTS runtime. Moving to a newer runtime is a deliberate, ' +
      'tested change of the house function, not something to pick up implicitly.';
    acknowledge(house.function, { id: 'AwsSolutions-L1', reason: pinnedRuntime });
    acknowledge(house.function, { id: 'Serverless-LambdaLatestVersion', reason: pinnedRuntime });

    if (wiringOf(name).invocation === 'sync') {
      acknowledge(house.function, {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously only (API Gateway HTTP API or the IVS message review hook): the ' +
          'caller receives the error and providers retry their webhook deliveries. A DLQ only ' +
          'ever receives asynchronous invocations, so it would stay empty.',
      });
    }
  }

  for (const route of stack.httpApi.routes) {
    acknowledge(route, {
      id: 'AwsSolutions-APIG4',
      reason:
        'No IAM/Cognito authorizer on purpose: GET /health is a public liveness probe that reveals ' +
        'only which providers are configured; POST /webhooks/{provider} is called by provider ' +
        'platforms that cannot sign AWS requests, and each delivery is verified by the handler ' +
        "with that provider's own scheme (constant-time ?key= or x-hook-secret, see providers.md); " +
        'POST /auth/azstack is called by AZStack servers and verified by RSA token + md5 code; ' +
        'the app-facing routes (tokens, history) verify the app JWT (HS256 or RS256 via JWKS, ' +
        'algorithm pinned, exp required) in the handler, where that configuration lives.',
    });
  }

  acknowledge(stack.providerSecrets, {
    id: 'AwsSolutions-SMG4',
    reason:
      'Holds third-party credentials (Gitple, Pingstreams, TigerConnect, AZStack keys and the ' +
      'webhook keys registered in their consoles) that only the providers can reissue, so a ' +
      'rotation Lambda cannot rotate them. Manual rotation is picked up without a deploy: the ' +
      'functions re-read the secret every 5 minutes (functions/infra/secrets.ts).',
  });

  acknowledge(stack.asyncFailures, {
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'This queue is itself the dead-letter queue of the asynchronously invoked functions; ' +
      'a redrive policy would move failed events out of the one place they are kept for replay.',
  });
}

function acknowledge(scope: IConstruct, rule: { id: string; reason: string }): void {
  Validations.of(scope).acknowledge(rule);
}
