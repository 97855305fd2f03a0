import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import {
  LogGroupLogDestination,
  WebSocketApi,
  WebSocketRoute,
  WebSocketStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type {
  FunctionName,
  WebSocketRoute as RouteDefinition,
} from '../functions/definitions/functions';
import type { ThrottleDefaults } from './http-api';

/** The one stage clients connect to: `wss://<api>.execute-api.<region>.amazonaws.com/live`. */
export const WEBSOCKET_STAGE_NAME = 'live';

/** design.md: `action` in the JSON frame selects the route. */
export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';

export interface BridgeWebSocketApiProps {
  throttle: ThrottleDefaults;
}

/**
 * JSON access log lines with the WebSocket context variables that explain a connection or a
 * frame. No query string: `$connect` carries the app JWT as `?token=`.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTimeEpoch',
    eventType: '$context.eventType',
    routeKey: '$context.routeKey',
    connectionId: '$context.connectionId',
    status: '$context.status',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    integrationLatency: '$context.integrationLatency',
    error: '$context.error.message',
  }),
);

/**
 * The WebSocket API of design.md: one stage, throttled, with JSON access logs, and a route per
 * WS_ROUTES entry.
 *
 * Built in two steps because the functions and the API refer to each other: the functions'
 * environment and grants need the management endpoint and the stage ARN (known once the API
 * exists), and the routes need the functions. The stack creates this construct, then the
 * functions, then calls `addRoutes`.
 */
export class BridgeWebSocketApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly accessLogs: LogGroup;
  /** Every route created, for acknowledgements and tests. */
  readonly routes: WebSocketRoute[] = [];
  /** The role API Gateway uses to write WebSocket logs (an account-wide setting, see below). */
  readonly cloudWatchRole: Role;

  constructor(scope: Construct, id: string, props: BridgeWebSocketApiProps) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      description: 'chat-bridge: live events, deliveries and client frames',
      routeSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });

    // Unlike HTTP APIs, WebSocket stages log through the API Gateway account's CloudWatch role
    // and cannot be created with logging until that regional setting names one. It is set here
    // so a first deploy works in a fresh account; the AWS-managed push policy is what that
    // account-wide role needs, since every REST and WebSocket API of the region logs through
    // it. Both stay on stack deletion: other APIs may have come to rely on the setting.
    // One per stack (and in effect per account and region): two bridges in one stack share it.
    const { role, account } = apiGatewayAccount(Stack.of(this));
    this.cloudWatchRole = role;

    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: WEBSOCKET_STAGE_NAME,
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });
    this.stage.node.addDependency(account);
  }

  /** One route per definition, one Lambda integration per function. */
  addRoutes(
    routes: readonly RouteDefinition[],
    functions: Partial<Record<FunctionName, IFunction>>,
  ): void {
    const integrations = new Map<FunctionName, WebSocketLambdaIntegration>();
    for (const route of routes) {
      let integration = integrations.get(route.function);
      if (!integration) {
        const handler = functions[route.function];
        if (!handler) {
          throw new Error(
            `WS_ROUTES: ${route.routeKey} routes to ${route.function}, which this stack does not deploy`,
          );
        }
        integration = new WebSocketLambdaIntegration(`${route.function}Integration`, handler);
        integrations.set(route.function, integration);
      }
      this.routes.push(this.api.addRoute(route.routeKey, { integration }));
    }
  }

  /** Where clients connect. */
  get url(): string {
    return this.stage.url;
  }

  /** The `@connections` management endpoint: WS_MANAGEMENT_ENDPOINT. */
  get managementEndpoint(): string {
    return this.stage.callbackUrl;
  }

  /**
   * What `execute-api:ManageConnections` is granted on: POST (PostToConnection, the only call
   * the bridge makes) on this stage's `@connections`. The trailing `*` is the connection id,
   * which API Gateway assigns per client at run time; it cannot be named in advance.
   */
  get postToConnectionsArn(): string {
    const apiArn = Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.apiId });
    return `${apiArn}/${this.stage.stageName}/POST/@connections/*`;
  }
}

/** The account-wide API Gateway logging role and setting, created once per stack. */
function apiGatewayAccount(stack: Stack): { role: Role; account: CfnAccount } {
  const existing = stack.node.tryFindChild('ChatBridgeApiGatewayAccount') as CfnAccount | undefined;
  const existingRole = stack.node.tryFindChild('ChatBridgeApiGatewayLogsRole') as Role | undefined;
  if (existing && existingRole) return { role: existingRole, account: existing };
  const role = new Role(stack, 'ChatBridgeApiGatewayLogsRole', {
    assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
    description: 'API Gateway account role: lets REST and WebSocket stages write their logs',
    managedPolicies: [
      ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
    ],
  });
  role.applyRemovalPolicy(RemovalPolicy.RETAIN);
  const account = new CfnAccount(stack, 'ChatBridgeApiGatewayAccount', {
    cloudWatchRoleArn: role.roleArn,
  });
  account.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return { role, account };
}
