import { Duration } from 'aws-cdk-lib';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute as DefaultRoute,
  HttpRouteKey,
  LogGroupLogDestination,
  type HttpRoute as ApiRoute,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_MAX_AGE_SECONDS,
} from '../functions/definitions/cors';
import type { FunctionName, HttpRoute } from '../functions/definitions/functions';

export interface ThrottleDefaults {
  /** Steady-state requests per second across the API. */
  rateLimit: number;
  /** Requests allowed in a burst. */
  burstLimit: number;
}

/** Webhook providers retry in bursts; these keep a misbehaving caller from draining Lambda concurrency. */
export const DEFAULT_THROTTLE: ThrottleDefaults = { rateLimit: 100, burstLimit: 200 };

export interface BridgeHttpApiProps {
  routes: readonly HttpRoute[];
  /** The function behind the `$default` route: what answers a request no route matches. */
  fallback?: FunctionName;
  /** The deployed functions; a route to a function that is not deployed fails the synth. */
  functions: Partial<Record<FunctionName, IFunction>>;
  throttle: ThrottleDefaults;
  /**
   * Browser origins allowed to call the API (CORS_ALLOWED_ORIGINS). Empty: no CORS
   * configuration, so browsers on other origins are refused as before.
   */
  corsAllowedOrigins?: readonly string[];
}

/**
 * Structured (JSON) access log lines with the HTTP API context variables that explain a
 * request; no headers or query strings, since webhook URLs carry `?key=`.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTimeEpoch',
    routeKey: '$context.routeKey',
    status: '$context.status',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/** The HTTP API: one route per HTTP_ROUTES entry, a throttled `$default` stage with access logs. */
export class BridgeHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** Every route created, for acknowledgements and tests. */
  readonly routes: ApiRoute[] = [];
  private readonly integrations = new Map<FunctionName, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: BridgeHttpApiProps) {
    super(scope, id);
    // The default stage is built here rather than by HttpApi so it can carry throttling and
    // access logging, which HttpApi's own default stage does not expose.
    this.api = new HttpApi(this, 'Api', {
      description: 'chat-bridge: health, webhooks and tokens',
      createDefaultStage: false,
      // API Gateway answers the preflight itself and sets Access-Control-Allow-Origin (with
      // Vary: Origin) only for a listed origin; the functions never see OPTIONS.
      ...(props.corsAllowedOrigins?.length && {
        corsPreflight: {
          allowOrigins: [...props.corsAllowedOrigins],
          allowHeaders: [...CORS_ALLOWED_HEADERS],
          allowMethods: CORS_ALLOWED_METHODS.map((method) => CorsHttpMethod[method]),
          maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
        },
      }),
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    for (const route of props.routes) {
      const integration = this.integrationFor(
        route.function,
        props.functions,
        `${route.method} ${route.path}`,
      );
      this.routes.push(
        ...this.api.addRoutes({
          path: route.path,
          methods: [HttpMethod[route.method]],
          integration,
        }),
      );
    }
    if (props.fallback) {
      this.routes.push(
        new DefaultRoute(this, 'DefaultRoute', {
          httpApi: this.api,
          routeKey: HttpRouteKey.DEFAULT,
          integration: this.integrationFor(props.fallback, props.functions, '$default'),
        }),
      );
    }
  }

  private integrationFor(
    name: FunctionName,
    functions: BridgeHttpApiProps['functions'],
    what: string,
  ): HttpLambdaIntegration {
    let integration = this.integrations.get(name);
    if (!integration) {
      const handler = functions[name];
      if (!handler) {
        throw new Error(
          `HTTP_ROUTES: ${what} routes to ${name}, which this stack does not deploy (see FUNCTION_WIRING)`,
        );
      }
      integration = new HttpLambdaIntegration(`${name}Integration`, handler);
      this.integrations.set(name, integration);
    }
    return integration;
  }

  /** The base URL every route path is appended to (no trailing slash). */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
