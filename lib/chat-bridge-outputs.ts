import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { ChatBridge } from './chat-bridge';
import type { ProviderDescription } from './provider-descriptions';
import {
  routePath,
  webhookGuidance,
  webhookRegistrations,
  webhookUrl,
} from './webhook-registrations';

/** One value an operator needs: the value itself and what to do with it. */
export interface ChatBridgeOutput {
  value: string;
  description: string;
}

/** Everything a deployed bridge tells its operator, typed; `addChatBridgeOutputs` prints it. */
export interface ChatBridgeOutputs {
  httpApiUrl: ChatBridgeOutput;
  webSocketUrl: ChatBridgeOutput;
  providerSecretsArn: ChatBridgeOutput;
  /** By provider: the URL to register in its console, with guidance in the description. */
  webhookUrls: Record<string, ChatBridgeOutput>;
  azStackAuthUrl: ChatBridgeOutput;
  ivsReviewHandlerArn: ChatBridgeOutput;
  ivsChatLogGroupName: ChatBridgeOutput;
  ivsChatLoggingConfigurationArn: ChatBridgeOutput;
  deliveryDeadLetterQueueUrl: ChatBridgeOutput;
  deadLettersFunctionName: ChatBridgeOutput;
  asyncFailuresQueueUrl: ChatBridgeOutput;
  streamFailuresQueueUrl: ChatBridgeOutput;
}

export function bridgeOutputs(
  bridge: ChatBridge,
  providers: readonly ProviderDescription[],
): ChatBridgeOutputs {
  const secretLabel = 'the ProviderSecretsArn secret';
  const api = bridge.httpApi.url;
  return {
    httpApiUrl: {
      description: 'Base URL of the HTTP API: every HTTP_ROUTES path is served under it',
      value: api,
    },
    webSocketUrl: {
      description: 'Frontends connect here with ?token=<app JWT>',
      value: bridge.webSocket.url,
    },
    providerSecretsArn: {
      description: 'Put provider credentials here: aws secretsmanager put-secret-value',
      value: bridge.providerSecrets.secretArn,
    },
    webhookUrls: Object.fromEntries(
      webhookRegistrations(providers).map((registration) => [
        registration.provider,
        {
          description: webhookGuidance(registration, secretLabel),
          value: webhookUrl(api, registration),
        },
      ]),
    ),
    azStackAuthUrl: {
      description: 'Set as the Authentication URL of the AZStack app',
      value: `${api}${routePath('AuthAzStack')}`,
    },
    ivsReviewHandlerArn: {
      description:
        'Set as messageReviewHandler.uri on each bridged IVS room (only rooms in the bridges file may invoke it)',
      value: bridge.functions.IvsReview.function.functionArn,
    },
    ivsChatLogGroupName: {
      description: 'CloudWatch Logs destination for IVS chat logging (deletes and events)',
      value: bridge.ivs.chatLogGroup.logGroupName,
    },
    ivsChatLoggingConfigurationArn: {
      description:
        'Attached to every bridged room in this account and region by the stack; for a room elsewhere: aws ivschat create-logging-configuration there with this log group, then aws ivschat update-room --identifier <room-arn> --logging-configuration-identifiers <its arn>',
      value: bridge.ivsChatLogging.configuration.attrArn,
    },
    deliveryDeadLetterQueueUrl: {
      description: 'Deliveries that failed after every retry, with their full payload',
      value: bridge.deliveryDeadLetters.queueUrl,
    },
    deadLettersFunctionName: {
      description: 'npm run dlq -- list|replay --function <this name>',
      value: bridge.functions.DeadLetters.function.functionName,
    },
    asyncFailuresQueueUrl: {
      description: 'Failed asynchronous invocations (with their event) land here',
      value: bridge.asyncFailures.queueUrl,
    },
    streamFailuresQueueUrl: {
      description:
        'Events-stream batches the relay could not settle after every retry (shard and sequence numbers)',
      value: bridge.relay.streamFailures.queueUrl,
    },
  };
}

/**
 * The bridge's outputs as stack outputs, named as the README's table names them
 * (`HttpApiUrl`, `WebhookUrlGitple`, ...), each with `prefix` in front when given (a second
 * bridge in one stack).
 */
export function addChatBridgeOutputs(bridge: ChatBridge, prefix = ''): void {
  const stack = Stack.of(bridge);
  const { webhookUrls, ...rest } = bridge.outputs;
  const named: [string, ChatBridgeOutput][] = [
    ...Object.entries(rest).map(
      ([key, output]) => [capitalize(key), output] as [string, ChatBridgeOutput],
    ),
    ...Object.entries(webhookUrls).map(
      ([provider, output]) =>
        [`WebhookUrl${capitalize(provider)}`, output] as [string, ChatBridgeOutput],
    ),
  ];
  for (const [name, output] of named) new CfnOutput(stack, `${prefix}${name}`, output);
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
