import { describe, expect, it } from 'vitest';
import { WS_ROUTES } from '../../functions/definitions/functions';
import { DEFAULT_THROTTLE } from '../../lib/http-api';
import { ROUTE_SELECTION_EXPRESSION, WEBSOCKET_STAGE_NAME } from '../../lib/websocket-api';
import { logicalIdOf, resourcesOf, synthTestStack } from './stack-fixture';

describe('WebSocket API', () => {
  const { stack, template } = synthTestStack();
  const resources = resourcesOf(template);
  const apiRef = { Ref: logicalIdOf(stack, stack.webSocket.api) };
  const ofApi = (type: string) =>
    Object.entries(resources).filter(
      ([, r]) => r.Type === type && JSON.stringify(r.Properties.ApiId) === JSON.stringify(apiRef),
    );

  it('selects routes by the frame action', () => {
    // Act
    const api = resources[apiRef.Ref];

    // Assess
    expect(api?.Properties).toMatchObject({
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });
    expect(ROUTE_SELECTION_EXPRESSION).toBe('$request.body.action');
  });

  it('has exactly the WS_ROUTES route keys', () => {
    // Act
    const keys = ofApi('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);

    // Assess
    expect([...keys].sort()).toEqual(WS_ROUTES.map((r) => r.routeKey).sort());
  });

  it.each(WS_ROUTES)(
    'routes $routeKey to $function through a Lambda proxy integration',
    (route) => {
      // Prepare
      const functionArn = {
        'Fn::GetAtt': [logicalIdOf(stack, stack.functions[route.function].function), 'Arn'],
      };

      // Act
      const [, apiRoute] =
        ofApi('AWS::ApiGatewayV2::Route').find(
          ([, r]) => r.Properties.RouteKey === route.routeKey,
        ) ?? [];
      const integrationId = (
        (apiRoute?.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] })[
          'Fn::Join'
        ][1][1] as { Ref: string }
      ).Ref;
      const integration = resources[integrationId];
      const permission = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::Lambda::Permission' &&
          JSON.stringify(r.Properties.FunctionName) === JSON.stringify(functionArn) &&
          JSON.stringify(r.Properties.SourceArn).includes(`"/*${route.routeKey}"`),
      );

      // Assess
      expect(integration?.Properties).toMatchObject({
        ApiId: apiRef,
        IntegrationType: 'AWS_PROXY',
      });
      expect(JSON.stringify(integration?.Properties.IntegrationUri)).toContain(
        JSON.stringify(functionArn),
      );
      // $connect verifies the app JWT itself; later routes rely on it (lib/acknowledgements.ts).
      expect(apiRoute?.Properties.AuthorizationType).toBe('NONE');
      expect(permission?.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
      });
    },
  );

  it('has one auto-deployed, throttled stage with JSON access logs and no query strings', () => {
    // Prepare
    const logsId = logicalIdOf(stack, stack.webSocket.accessLogs);
    const accountId = Object.keys(resources).find(
      (id) => resources[id]?.Type === 'AWS::ApiGateway::Account',
    );

    // Act
    const [[, stage] = [], ...others] = ofApi('AWS::ApiGatewayV2::Stage');
    const accessLog = stage?.Properties.AccessLogSettings as {
      DestinationArn: unknown;
      Format: string;
    };

    // Assess
    expect(others).toEqual([]);
    expect(stage?.Properties).toMatchObject({
      StageName: WEBSOCKET_STAGE_NAME,
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: DEFAULT_THROTTLE.rateLimit,
        ThrottlingBurstLimit: DEFAULT_THROTTLE.burstLimit,
      },
    });
    expect(accessLog.DestinationArn).toEqual({ 'Fn::GetAtt': [logsId, 'Arn'] });
    expect(JSON.parse(accessLog.Format)).toMatchObject({
      requestId: '$context.requestId',
      connectionId: '$context.connectionId',
      routeKey: '$context.routeKey',
    });
    expect(accessLog.Format).not.toMatch(/querystring|requestOverride|input\./i);
    expect(resources[logsId]?.Properties.RetentionInDays).toBe(30);
    // A logging stage can only be created once the account's CloudWatch role is set.
    expect(stage?.DependsOn).toContain(accountId);
  });
});
