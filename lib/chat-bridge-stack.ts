import { CfnOutput, Duration, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Bridges } from '../functions/core/bridges';
import { SECRET_ENV_VARS, type EnvName } from '../functions/infra/env-names';
import { FUNCTIONS, HTTP_ROUTES } from '../functions/infra/functions';
import { EVENTS_TABLE, STATE_TABLE, type TableDefinition } from '../functions/infra/tables';
import { acknowledgeNagFindings } from './acknowledgements';
import { WIRED_FUNCTIONS, wiringOf, type WiredFunctionName } from './function-wiring';
import { HouseFunction, type BundlingMode } from './house-function';
import { BridgeHttpApi, DEFAULT_THROTTLE, type ThrottleDefaults } from './http-api';
import { IvsIngest } from './ivs-ingest';
import { SETTING_NAMES, type Settings } from './settings';
import { createTable } from './tables';
import { WEBHOOK_REGISTRATIONS, webhookUrlTemplate } from './webhook-registrations';

export interface ChatBridgeStackProps extends StackProps {
  /** The validated bridges configuration (room ARNs become invoke permissions). */
  bridges: Bridges;
  /** Absolute path of the bridges file, copied into every bundle. */
  bridgesFile: string;
  /** `skip` only in unit tests: see BundlingMode. */
  bundlingMode?: BundlingMode;
  /** Plain settings (SETTING_NAMES) given to every function; secrets are never accepted here. */
  settings?: Settings;
  throttle?: ThrottleDefaults;
}

/**
 * The bridge on AWS: tables, provider secret, ingest and history functions, HTTP API and the
 * IVS paths.
 *
 * Extension point for the relay and WebSocket API (not built yet): their functions are in
 * FUNCTIONS and marked `deferred` in FUNCTION_WIRING. To build them, give each a
 * FunctionWiring (it is then created, granted and nag-checked here like the others) and add
 * one construct file per concern, constructed at the end of this constructor: the relay
 * (STREAM_CONSUMERS on `eventsTable` with RELAY_STREAM_SETTINGS, `stateTable`, a delivery DLQ)
 * and the WebSocket API (WS_ROUTES). `functions`, the tables, `providerSecrets` and
 * `asyncFailures` are public for exactly that.
 */
export class ChatBridgeStack extends Stack {
  readonly eventsTable: Table;
  readonly stateTable: Table;
  readonly providerSecrets: Secret;
  readonly functions: Record<WiredFunctionName, HouseFunction>;
  readonly asyncFailures: Queue;
  readonly httpApi: BridgeHttpApi;
  readonly ivs: IvsIngest;

  constructor(scope: Construct, id: string, props: ChatBridgeStackProps) {
    super(scope, id, props);

    this.eventsTable = createTable(this, EVENTS_TABLE);
    this.stateTable = createTable(this, STATE_TABLE);

    // One JSON secret with every secret key present and empty: users fill values in with
    // `aws secretsmanager put-secret-value`. CloudFormation rewrites the value only when this
    // template changes (a key added to SECRET_ENV_VARS), so deploys keep what users stored.
    this.providerSecrets = new Secret(this, 'ProviderSecrets', {
      description: 'chat-bridge provider credentials and webhook keys (JSON object)',
      secretObjectValue: Object.fromEntries(
        SECRET_ENV_VARS.map((name) => [name, SecretValue.unsafePlainText('')]),
      ),
    });

    // Dead-letter queue of every asynchronously invoked function: the failed event, as sent.
    this.asyncFailures = new Queue(this, 'AsyncFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.functions = this.createFunctions(props);

    this.httpApi = new BridgeHttpApi(this, 'Http', {
      routes: HTTP_ROUTES,
      functions: mapWired((name) => this.functions[name].function),
      throttle: props.throttle ?? DEFAULT_THROTTLE,
    });

    this.ivs = new IvsIngest(this, 'Ivs', {
      roomArns: props.bridges.channelsOf('ivs'),
      reviewHandler: this.functions.IvsReview.function,
      chatLogHandler: this.functions.IvsChatLog.function,
    });

    this.addOutputs();
    acknowledgeNagFindings(this);
  }

  private createFunctions(props: ChatBridgeStackProps): Record<WiredFunctionName, HouseFunction> {
    const settings = Object.fromEntries(
      SETTING_NAMES.flatMap((name) =>
        props.settings?.[name] ? [[name, props.settings[name]]] : [],
      ),
    ) as Settings;
    const roomArns = props.bridges.channelsOf('ivs');
    return mapWired((name) => {
      const wiring = wiringOf(name);
      const environment: Partial<Record<EnvName, string>> = {
        ...settings,
        [EVENTS_TABLE.tableNameEnv]: this.eventsTable.tableName,
        [STATE_TABLE.tableNameEnv]: this.stateTable.tableName,
        ...(wiring.providerSecrets && { PROVIDER_SECRETS_ARN: this.providerSecrets.secretArn }),
      };
      const house = new HouseFunction(this, name, {
        definition: FUNCTIONS[name],
        bridgesFile: props.bridgesFile,
        bundlingMode: props.bundlingMode ?? 'esbuild',
        environment,
        ...(wiring.invocation === 'async' && { deadLetterQueue: this.asyncFailures }),
      });
      if (wiring.events === 'ingest') {
        house.function.addToRolePolicy(
          new PolicyStatement({
            actions: ['dynamodb:PutItem'],
            resources: [this.eventsTable.tableArn],
          }),
        );
      }
      if (wiring.events === 'history') {
        house.function.addToRolePolicy(
          new PolicyStatement({
            actions: ['dynamodb:Query'],
            resources: indexNames(EVENTS_TABLE).map(
              (index) => `${this.eventsTable.tableArn}/index/${index}`,
            ),
          }),
        );
      }
      if (wiring.ivsChatTokens && roomArns.length > 0) {
        house.function.addToRolePolicy(
          new PolicyStatement({ actions: ['ivschat:CreateChatToken'], resources: roomArns }),
        );
      }
      if (wiring.providerSecrets) this.providerSecrets.grantRead(house.function);
      return house;
    });
  }

  private addOutputs(): void {
    const secretLabel = 'the ProviderSecretsArn secret';
    new CfnOutput(this, 'HttpApiUrl', {
      description: 'Base URL of the HTTP API: every HTTP_ROUTES path is served under it',
      value: this.httpApi.url,
    });
    new CfnOutput(this, 'ProviderSecretsArn', {
      description: 'Put provider credentials here: aws secretsmanager put-secret-value',
      value: this.providerSecrets.secretArn,
    });
    for (const registration of WEBHOOK_REGISTRATIONS) {
      new CfnOutput(this, `WebhookUrl${capitalize(registration.provider)}`, {
        description: `Register in the ${registration.provider} console (template: the key comes from the secret, never from this output)`,
        value: webhookUrlTemplate(this.httpApi.url, registration, secretLabel),
      });
    }
    new CfnOutput(this, 'IvsReviewHandlerArn', {
      description:
        'Set as messageReviewHandler.uri on each bridged IVS room (only rooms in the bridges file may invoke it)',
      value: this.functions.IvsReview.function.functionArn,
    });
    new CfnOutput(this, 'IvsChatLogGroupName', {
      description: 'CloudWatch Logs destination for IVS chat logging (deletes and events)',
      value: this.ivs.chatLogGroup.logGroupName,
    });
    new CfnOutput(this, 'IvsChatLoggingSetup', {
      description: 'How to attach the chat-log group to each bridged room',
      value: `aws ivschat create-logging-configuration --destination-configuration cloudWatchLogs={logGroupName=${this.ivs.chatLogGroup.logGroupName}}; then aws ivschat update-room --identifier <room-arn> --logging-configuration-identifiers <logging-configuration-arn>`,
    });
    new CfnOutput(this, 'AsyncFailuresQueueUrl', {
      description: 'Failed asynchronous invocations (with their event) land here',
      value: this.asyncFailures.queueUrl,
    });
  }
}

function mapWired<T>(build: (name: WiredFunctionName) => T): Record<WiredFunctionName, T> {
  return Object.fromEntries(WIRED_FUNCTIONS.map((name) => [name, build(name)])) as Record<
    WiredFunctionName,
    T
  >;
}

function indexNames(table: TableDefinition): string[] {
  return [...table.localIndexes, ...table.globalIndexes].map((index) => index.indexName);
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
