import { CfnOutput, Duration, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Bridges } from '../functions/core/bridges';
import {
  FUNCTIONS,
  HTTP_ROUTES,
  SCHEDULED_FUNCTIONS,
  STREAM_CONSUMERS,
  WS_ROUTES,
  type FunctionName,
} from '../functions/definitions/functions';
import { EVENTS_TABLE, STATE_TABLE } from '../functions/definitions/tables';
import { acknowledgeNagFindings } from './acknowledgements';
import { ivsRelayRooms, grantWiring } from './function-grants';
import { ASYNC_INVOCATIONS, FUNCTION_NAMES, assertInvocations, wiringOf } from './function-wiring';
import { HouseFunction, type BundlingMode } from './house-function';
import { BridgeHttpApi, DEFAULT_THROTTLE, type ThrottleDefaults } from './http-api';
import { IvsChatLogging } from './ivs-chat-logging';
import { IvsIngest } from './ivs-ingest';
import { RelayStreams, createDeliveryDeadLetterQueue } from './relay';
import { FunctionSchedules } from './schedules';
import type { ProviderDescription } from './provider-descriptions';
import { secretNames, settingNames, type Settings } from './settings';
import { createTable } from './tables';
import { routePath, webhookRegistrations, webhookUrlTemplate } from './webhook-registrations';
import { BridgeWebSocketApi } from './websocket-api';

export interface ChatBridgeStackProps extends StackProps {
  /** The validated bridges configuration (room ARNs become invoke permissions and grants). */
  bridges: Bridges;
  /** Every provider module's settings and webhook registration (plain data). */
  providers: readonly ProviderDescription[];
  /** Absolute path of the bridges file, copied into every bundle. */
  bridgesFile: string;
  /** `skip` only in unit tests: see BundlingMode. */
  bundlingMode?: BundlingMode;
  /** Plain settings (settingNames) given to every function; secrets are never accepted here. */
  settings?: Settings;
  /** Rate limits of the HTTP API and the WebSocket API stages. */
  throttle?: ThrottleDefaults;
}

/**
 * The bridge on AWS: tables, provider secret, every FUNCTIONS entry (wired as FUNCTION_WIRING
 * decides), the HTTP API, the IVS paths, the relay on the events stream with its delivery
 * dead-letter queue, the WebSocket API and the scheduled pollers.
 *
 * Order matters once: the queue and the WebSocket API exist before the functions (their URL,
 * endpoint and ARNs go into the functions' environment and grants), and everything that
 * invokes a function (routes, stream mappings, schedules) comes after them.
 */
export class ChatBridgeStack extends Stack {
  readonly eventsTable: Table;
  readonly stateTable: Table;
  readonly providerSecrets: Secret;
  readonly functions: Record<FunctionName, HouseFunction>;
  readonly asyncFailures: Queue;
  /** Failed deliveries, whole, for `npm run dlq`. */
  readonly deliveryDeadLetters: Queue;
  readonly httpApi: BridgeHttpApi;
  readonly webSocket: BridgeWebSocketApi;
  readonly relay: RelayStreams;
  readonly schedules: FunctionSchedules;
  readonly ivs: IvsIngest;
  readonly ivsChatLogging: IvsChatLogging;

  constructor(scope: Construct, id: string, props: ChatBridgeStackProps) {
    super(scope, id, props);
    assertInvocations();
    const throttle = props.throttle ?? DEFAULT_THROTTLE;

    this.eventsTable = createTable(this, EVENTS_TABLE);
    this.stateTable = createTable(this, STATE_TABLE);

    // One JSON secret with every secret key present and empty: users fill values in with
    // `aws secretsmanager put-secret-value`. CloudFormation rewrites the value only when this
    // template changes (a secret added to a provider module), so deploys keep what users stored.
    this.providerSecrets = new Secret(this, 'ProviderSecrets', {
      description: 'chat-bridge provider credentials and webhook keys (JSON object)',
      secretObjectValue: Object.fromEntries(
        secretNames(props.providers).map((name) => [name, SecretValue.unsafePlainText('')]),
      ),
    });

    // Dead-letter queue of every asynchronously invoked function: the failed event, as sent.
    this.asyncFailures = new Queue(this, 'AsyncFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deliveryDeadLetters = createDeliveryDeadLetterQueue(this);
    this.webSocket = new BridgeWebSocketApi(this, 'WebSocket', { throttle });

    this.functions = this.createFunctions(props);
    const handlers = mapFunctions((name) => this.functions[name].function);

    this.httpApi = new BridgeHttpApi(this, 'Http', {
      routes: HTTP_ROUTES,
      functions: handlers,
      throttle,
    });
    this.webSocket.addRoutes(WS_ROUTES, handlers);
    this.relay = new RelayStreams(this, 'RelayStreams', {
      consumers: STREAM_CONSUMERS,
      tables: [
        { definition: EVENTS_TABLE, table: this.eventsTable },
        { definition: STATE_TABLE, table: this.stateTable },
      ],
      functions: handlers,
    });
    this.schedules = new FunctionSchedules(this, 'Schedules', {
      schedules: SCHEDULED_FUNCTIONS,
      functions: handlers,
      deadLetterQueue: this.asyncFailures,
    });
    this.ivs = new IvsIngest(this, 'Ivs', {
      roomArns: props.bridges.channelsOf('ivs'),
      reviewHandler: this.functions.IvsReview.function,
      chatLogHandler: this.functions.IvsChatLog.function,
    });
    this.ivsChatLogging = new IvsChatLogging(this, 'IvsChatLogging', {
      roomArns: props.bridges.channelsOf('ivs'),
      logGroup: this.ivs.chatLogGroup,
    });

    this.addOutputs(props.providers);
    acknowledgeNagFindings(this);
  }

  private createFunctions(props: ChatBridgeStackProps): Record<FunctionName, HouseFunction> {
    const settings = Object.fromEntries(
      settingNames(props.providers).flatMap((name) =>
        props.settings?.[name] ? [[name, props.settings[name]]] : [],
      ),
    ) as Settings;
    const targets = {
      eventsTable: this.eventsTable,
      stateTable: this.stateTable,
      providerSecrets: this.providerSecrets,
      postToConnectionsArn: this.webSocket.postToConnectionsArn,
      deliveryDeadLetters: this.deliveryDeadLetters,
      ivsTokenRooms: props.bridges.channelsOf('ivs'),
      ivsRelayRooms: ivsRelayRooms(props.bridges),
    };
    return mapFunctions((name) => {
      const wiring = wiringOf(name);
      const environment: Record<string, string> = {
        ...settings,
        [EVENTS_TABLE.tableNameEnv]: this.eventsTable.tableName,
        [STATE_TABLE.tableNameEnv]: this.stateTable.tableName,
        ...(wiring.providerSecrets && { PROVIDER_SECRETS_ARN: this.providerSecrets.secretArn }),
        ...(wiring.relayRuntime && {
          WS_MANAGEMENT_ENDPOINT: this.webSocket.managementEndpoint,
          DEAD_LETTER_QUEUE_URL: this.deliveryDeadLetters.queueUrl,
        }),
        ...(wiring.webSocketUrl && { WEBSOCKET_URL: this.webSocket.url }),
      };
      const schedule = SCHEDULED_FUNCTIONS.find((s) => s.function === name);
      const house = new HouseFunction(this, name, {
        definition: FUNCTIONS[name],
        bridgesFile: props.bridgesFile,
        bundlingMode: props.bundlingMode ?? 'esbuild',
        environment,
        ...(ASYNC_INVOCATIONS.includes(wiring.invocation) && {
          deadLetterQueue: this.asyncFailures,
        }),
        ...(schedule && { reservedConcurrentExecutions: schedule.maxConcurrency }),
      });
      grantWiring(house.function, wiring, targets);
      return house;
    });
  }

  private addOutputs(providers: readonly ProviderDescription[]): void {
    const secretLabel = 'the ProviderSecretsArn secret';
    new CfnOutput(this, 'HttpApiUrl', {
      description: 'Base URL of the HTTP API: every HTTP_ROUTES path is served under it',
      value: this.httpApi.url,
    });
    new CfnOutput(this, 'WebSocketUrl', {
      description: 'Frontends connect here with ?token=<app JWT>',
      value: this.webSocket.url,
    });
    new CfnOutput(this, 'ProviderSecretsArn', {
      description: 'Put provider credentials here: aws secretsmanager put-secret-value',
      value: this.providerSecrets.secretArn,
    });
    for (const registration of webhookRegistrations(providers)) {
      new CfnOutput(this, `WebhookUrl${capitalize(registration.provider)}`, {
        description: `Register in the ${registration.provider} console (template: the key comes from the secret, never from this output)`,
        value: webhookUrlTemplate(this.httpApi.url, registration, secretLabel),
      });
    }
    new CfnOutput(this, 'AzStackAuthUrl', {
      description: 'Set as the Authentication URL of the AZStack app',
      value: `${this.httpApi.url}${routePath('AuthAzStack')}`,
    });
    new CfnOutput(this, 'IvsReviewHandlerArn', {
      description:
        'Set as messageReviewHandler.uri on each bridged IVS room (only rooms in the bridges file may invoke it)',
      value: this.functions.IvsReview.function.functionArn,
    });
    new CfnOutput(this, 'IvsChatLogGroupName', {
      description: 'CloudWatch Logs destination for IVS chat logging (deletes and events)',
      value: this.ivs.chatLogGroup.logGroupName,
    });
    new CfnOutput(this, 'IvsChatLoggingConfigurationArn', {
      description:
        'Attached to every bridged room in this account and region by the stack; for a room elsewhere: aws ivschat create-logging-configuration there with this log group, then aws ivschat update-room --identifier <room-arn> --logging-configuration-identifiers <its arn>',
      value: this.ivsChatLogging.configuration.attrArn,
    });
    new CfnOutput(this, 'DeliveryDeadLetterQueueUrl', {
      description: 'Deliveries that failed after every retry, with their full payload',
      value: this.deliveryDeadLetters.queueUrl,
    });
    new CfnOutput(this, 'DeadLettersFunctionName', {
      description: 'npm run dlq -- list|replay --function <this name>',
      value: this.functions.DeadLetters.function.functionName,
    });
    new CfnOutput(this, 'AsyncFailuresQueueUrl', {
      description: 'Failed asynchronous invocations (with their event) land here',
      value: this.asyncFailures.queueUrl,
    });
    new CfnOutput(this, 'StreamFailuresQueueUrl', {
      description:
        'Events-stream batches the relay could not settle after every retry (shard and sequence numbers)',
      value: this.relay.streamFailures.queueUrl,
    });
  }
}

function mapFunctions<T>(build: (name: FunctionName) => T): Record<FunctionName, T> {
  return Object.fromEntries(FUNCTION_NAMES.map((name) => [name, build(name)])) as Record<
    FunctionName,
    T
  >;
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
