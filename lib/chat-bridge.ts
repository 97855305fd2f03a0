import { Duration, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Bridges } from '../functions/core/bridges';
import {
  FUNCTIONS,
  HTTP_FALLBACK_FUNCTION,
  HTTP_ROUTES,
  SCHEDULED_FUNCTIONS,
  STREAM_CONSUMERS,
  WS_ROUTES,
  type FunctionName,
} from '../functions/definitions/functions';
import { BRIDGES_TABLE, EVENTS_TABLE, STATE_TABLE } from '../functions/definitions/tables';
import { BridgeSeeding } from './bridge-seeding';
import { acknowledgeNagFindings } from './acknowledgements';
import { grantWiring } from './function-grants';
import { ivsRoomGrants, type IvsRoomGrants } from './ivs-rooms';
import { runOnArm64 } from './arm64';
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
import { ChatBridgeAlarms, type ChatBridgeAlarmsProps } from './alarms';
import { validateChatBridgeProps } from './chat-bridge-props';
import { bridgeOutputs, type ChatBridgeOutputs } from './chat-bridge-outputs';
import { BridgeWebSocketApi } from './websocket-api';

export interface ChatBridgeProps {
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
  /** Time written on seeded bridges (default: synth time); tests pin it. */
  seededAt?: string;
  /** Rate limits of the HTTP API and the WebSocket API stages. */
  throttle?: ThrottleDefaults;
  /** Browser origins allowed to call the HTTP API (CORS_ALLOWED_ORIGINS at synth). */
  corsAllowedOrigins?: readonly string[];
  /** What happens to the tables when the bridge is removed (default RETAIN: history is data). */
  removalPolicy?: RemovalPolicy;
  /** Alarm thresholds and an optional SNS topic the alarms notify. */
  alarms?: ChatBridgeAlarmsProps;
  /**
   * IVS rooms that bridges made at run time (operator API, rules) may use, beyond the rooms of
   * the bridges file, which are always granted: room ARNs, or
   * `arn:aws:ivschat:<region>:<account>:room/*` for every room of that account and region.
   * Unset: only the file's rooms (least privilege). IVS_ROOMS at synth.
   */
  ivsRooms?: readonly string[];
}

/**
 * The bridge on AWS, as a construct any CDK app can add (`new ChatBridge(this, 'Bridge', {...})`,
 * several side by side): tables, provider secret, every FUNCTIONS entry (wired as FUNCTION_WIRING
 * decides), the HTTP API, the IVS paths, the relay on the events stream with its delivery
 * dead-letter queue, the WebSocket API and the scheduled pollers.
 *
 * Order matters once: the queue and the WebSocket API exist before the functions (their URL,
 * endpoint and ARNs go into the functions' environment and grants), and everything that
 * invokes a function (routes, stream mappings, schedules) comes after them.
 */
export class ChatBridge extends Construct {
  readonly eventsTable: Table;
  readonly stateTable: Table;
  readonly bridgesTable: Table;
  /** Seeds the bridges table from the bridges file on every deploy. */
  readonly bridgeSeeding: BridgeSeeding;
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
  readonly alarms: ChatBridgeAlarms;
  /** Every URL, ARN and name an operator needs, typed (the app turns them into stack outputs). */
  readonly outputs: ChatBridgeOutputs;
  /** The IVS rooms the grants name: the file's plus props.ivsRooms. */
  readonly ivsRooms: IvsRoomGrants;

  constructor(scope: Construct, id: string, props: ChatBridgeProps) {
    super(scope, id);
    validateChatBridgeProps(props);
    assertInvocations();
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    const ivsRooms = ivsRoomGrants(props.bridges, props.ivsRooms);
    this.ivsRooms = ivsRooms;

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.eventsTable = createTable(this, EVENTS_TABLE, removalPolicy);
    this.stateTable = createTable(this, STATE_TABLE, removalPolicy);
    this.bridgesTable = createTable(this, BRIDGES_TABLE, removalPolicy);
    this.bridgeSeeding = new BridgeSeeding(this, 'BridgeSeeding', {
      table: this.bridgesTable,
      bridges: props.bridges.all(),
      seededAt: props.seededAt ?? new Date().toISOString(),
    });

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

    this.functions = this.createFunctions(props, ivsRooms);
    const handlers = mapFunctions((name) => this.functions[name].function);

    this.httpApi = new BridgeHttpApi(this, 'Http', {
      routes: HTTP_ROUTES,
      fallback: HTTP_FALLBACK_FUNCTION,
      functions: handlers,
      throttle,
      ...(props.corsAllowedOrigins && { corsAllowedOrigins: props.corsAllowedOrigins }),
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
      roomArns: ivsRooms.reviewSources,
      reviewHandler: this.functions.IvsReview.function,
      chatLogHandler: this.functions.IvsChatLog.function,
    });
    // Logging is attached by name, so only the file's rooms; run-time rooms are the operator's.
    this.ivsChatLogging = new IvsChatLogging(this, 'IvsChatLogging', {
      roomArns: props.bridges.channelsOf('ivs'),
      logGroup: this.ivs.chatLogGroup,
    });
    runOnArm64(this);

    this.alarms = new ChatBridgeAlarms(this, 'Alarms', {
      ...props.alarms,
      relay: this.functions.Relay.function,
      deliveryDeadLetters: this.deliveryDeadLetters,
      asyncFailures: this.asyncFailures,
    });
    this.outputs = bridgeOutputs(this, props.providers);
    acknowledgeNagFindings(this);
  }

  private createFunctions(
    props: ChatBridgeProps,
    ivsRooms: IvsRoomGrants,
  ): Record<FunctionName, HouseFunction> {
    const settings = Object.fromEntries(
      settingNames(props.providers).flatMap((name) =>
        props.settings?.[name] ? [[name, props.settings[name]]] : [],
      ),
    ) as Settings;
    const houses = mapFunctions((name) => {
      const wiring = wiringOf(name);
      const environment: Record<string, string> = {
        ...settings,
        [EVENTS_TABLE.tableNameEnv]: this.eventsTable.tableName,
        [STATE_TABLE.tableNameEnv]: this.stateTable.tableName,
        [BRIDGES_TABLE.tableNameEnv]: this.bridgesTable.tableName,
        ...(wiring.providerSecrets && { PROVIDER_SECRETS_ARN: this.providerSecrets.secretArn }),
        ...((wiring.relayRuntime || wiring.managementEndpoint) && {
          WS_MANAGEMENT_ENDPOINT: this.webSocket.managementEndpoint,
        }),
        ...(wiring.relayRuntime && { DEAD_LETTER_QUEUE_URL: this.deliveryDeadLetters.queueUrl }),
        ...(wiring.webSocketUrl && { WEBSOCKET_URL: this.webSocket.url }),
        ...(wiring.ivsReachableRooms && { IVS_REACHABLE_ROOMS: ivsRooms.reachable.join(',') }),
      };
      const schedule = SCHEDULED_FUNCTIONS.find((s) => s.function === name);
      return new HouseFunction(this, name, {
        definition: FUNCTIONS[name],
        bridgesFile: props.bridgesFile,
        bundlingMode: props.bundlingMode ?? 'esbuild',
        environment,
        ...(ASYNC_INVOCATIONS.includes(wiring.invocation) && {
          deadLetterQueue: this.asyncFailures,
        }),
        ...(schedule && { reservedConcurrentExecutions: schedule.maxConcurrency }),
      });
    });
    // Grants and the FanOut name come once every function exists: the relay names FanOut.
    const targets = {
      eventsTable: this.eventsTable,
      stateTable: this.stateTable,
      bridgesTable: this.bridgesTable,
      providerSecrets: this.providerSecrets,
      postToConnectionsArn: this.webSocket.postToConnectionsArn,
      deliveryDeadLetters: this.deliveryDeadLetters,
      ivsTokenRooms: ivsRooms.tokens,
      ivsRelayRooms: ivsRooms.relay,
      fanOutFunction: houses.FanOut.function,
    };
    for (const name of FUNCTION_NAMES) {
      const wiring = wiringOf(name);
      const house = houses[name];
      if (wiring.invokesFanOut) {
        house.function.addEnvironment('FANOUT_FUNCTION_NAME', houses.FanOut.function.functionName);
      }
      grantWiring(house.function, wiring, targets);
    }
    return houses;
  }
}

function mapFunctions<T>(build: (name: FunctionName) => T): Record<FunctionName, T> {
  return Object.fromEntries(FUNCTION_NAMES.map((name) => [name, build(name)])) as Record<
    FunctionName,
    T
  >;
}
