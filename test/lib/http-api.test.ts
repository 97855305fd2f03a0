import { describe, expect, it } from 'vitest';
import { HTTP_FALLBACK_FUNCTION, HTTP_ROUTES } from '../../functions/definitions/functions';
import { DEFAULT_THROTTLE } from '../../lib/http-api';
import { PROVIDERS } from '../../functions/providers';
import { webhookRegistrations } from '../../lib/webhook-registrations';
import { logicalIdOf, synthTestStack } from './stack-fixture';

describe('HTTP API', () => {
  const { stack, template } = synthTestStack();
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);
  const httpApiRef = { Ref: logicalIdOf(stack, stack.httpApi.api) };
  const ofHttpApi = (type: string) =>
    ofType(type).filter((r) => JSON.stringify(r.Properties.ApiId) === JSON.stringify(httpApiRef));

  it.each(HTTP_ROUTES)('serves $method $path with its function', (route) => {
    // Prepare
    const functionId = logicalIdOf(
      stack,
      stack.functions[route.function as keyof typeof stack.functions].function,
    );

    // Act
    const apiRoute = ofHttpApi('AWS::ApiGatewayV2::Route').find(
      (r) => r.Properties.RouteKey === `${route.method} ${route.path}`,
    );
    const integrationId = Object.keys(resources).find(
      (id) =>
        resources[id]?.Type === 'AWS::ApiGatewayV2::Integration' &&
        JSON.stringify(resources[id]?.Properties.IntegrationUri) ===
          JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] }),
    );

    // Assess
    expect(integrationId).toBeDefined();
    expect(apiRoute?.Properties.Target).toEqual({
      'Fn::Join': ['', ['integrations/', { Ref: integrationId }]],
    });
  });

  it('has no route beyond HTTP_ROUTES and the $default fallback', () => {
    expect(ofHttpApi('AWS::ApiGatewayV2::Route')).toHaveLength(HTTP_ROUTES.length + 1);
  });

  it('sends unrouted requests to the fallback function, which answers a problem+json 404', () => {
    // Prepare
    const functionId = logicalIdOf(stack, stack.functions[HTTP_FALLBACK_FUNCTION].function);

    // Act
    const fallback = ofHttpApi('AWS::ApiGatewayV2::Route').find(
      (r) => r.Properties.RouteKey === '$default',
    );
    const integrationRef = (fallback?.Properties.Target as { 'Fn::Join': [string, unknown[]] })[
      'Fn::Join'
    ][1][1] as { Ref: string };

    // Assess
    expect(resources[integrationRef.Ref]?.Properties.IntegrationUri).toEqual({
      'Fn::GetAtt': [functionId, 'Arn'],
    });
  });

  it('throttles the $default stage and writes JSON access logs to a retained log group', () => {
    // Prepare
    const logsId = logicalIdOf(stack, stack.httpApi.accessLogs);

    // Act
    const [stage, ...others] = ofHttpApi('AWS::ApiGatewayV2::Stage');
    const accessLog = stage?.Properties.AccessLogSettings as {
      DestinationArn: unknown;
      Format: string;
    };

    // Assess
    expect(others).toHaveLength(0);
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: DEFAULT_THROTTLE.rateLimit,
        ThrottlingBurstLimit: DEFAULT_THROTTLE.burstLimit,
      },
    });
    expect(accessLog.DestinationArn).toEqual({ 'Fn::GetAtt': [logsId, 'Arn'] });
    expect(JSON.parse(accessLog.Format)).toMatchObject({ requestId: '$context.requestId' });
    expect(resources[logsId]?.Properties.RetentionInDays).toBe(30);
  });

  it('outputs one bare webhook URL per pushing provider, guidance in the description, never a secret', () => {
    // Prepare
    const apiEndpoint = { 'Fn::GetAtt': [logicalIdOf(stack, stack.httpApi.api), 'ApiEndpoint'] };

    // Act
    const outputs = template.toJSON().Outputs as Record<
      string,
      { Value: unknown; Description: string }
    >;

    // Assess
    for (const registration of webhookRegistrations(PROVIDERS.modules)) {
      const name = `WebhookUrl${registration.provider[0]?.toUpperCase()}${registration.provider.slice(1)}`;
      expect(outputs[name]?.Value).toEqual({
        'Fn::Join': ['', [apiEndpoint, `/webhooks/${registration.provider}`]],
      });
    }
    expect(outputs.WebhookUrlGitple?.Description).toContain('?key=<GITPLE_WEBHOOK_KEY from');
    expect(outputs.WebhookUrlTigerconnect?.Description).toContain(
      '?key=<TIGERCONNECT_WEBHOOK_KEY from',
    );
    expect(outputs.WebhookUrlPingstreams?.Description).toContain('PINGSTREAMS_WEBHOOK_SECRET');
    const all = JSON.stringify(outputs);
    expect(all).not.toContain('resolve:secretsmanager');
    expect(all).not.toContain('SecretString');
  });

  it('has no CORS configuration unless origins are given', () => {
    // Act
    const [api] = ofType('AWS::ApiGatewayV2::Api').filter(
      (r) => r.Properties.ProtocolType === 'HTTP',
    );

    // Assess
    expect(api?.Properties.CorsConfiguration).toBeUndefined();
  });
});

describe('HTTP API CORS', () => {
  it('answers preflights for CORS_ALLOWED_ORIGINS with the authorization and content-type headers', () => {
    // Prepare
    const origins = ['https://app.example.com', 'https://*.example.org'];

    // Act
    const { template } = synthTestStack({ corsAllowedOrigins: origins });

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: origins,
        AllowHeaders: ['authorization', 'content-type'],
        AllowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        MaxAge: 600,
      },
    });
  });
});
