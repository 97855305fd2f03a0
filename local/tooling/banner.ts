import { relative } from 'node:path';
import type { LocalBridge } from '../bridge';
import { devSecretsPath, type DevSecretName } from './dev-config';

/** How each provider's webhook proves itself with its dev secret. */
const WEBHOOK_SECRETS: Record<string, { secret: DevSecretName; header?: string }> = {
  gitple: { secret: 'GITPLE_WEBHOOK_KEY' },
  pingstreams: { secret: 'PINGSTREAMS_WEBHOOK_SECRET', header: 'x-hook-secret' },
  tigerconnect: { secret: 'TIGERCONNECT_WEBHOOK_KEY' },
};

export interface WebhookUrl {
  provider: string;
  url: string;
  header?: string;
}

/** The URL to register (or curl) for each provider that pushes webhooks. */
export function webhookUrls(bridge: LocalBridge): WebhookUrl[] {
  const route = bridge.httpRoutes.find(
    (candidate) => candidate.method === 'POST' && candidate.path === '/webhooks/{provider}',
  );
  if (!route) return [];
  return Object.entries(WEBHOOK_SECRETS).map(([provider, how]) => {
    const value = bridge.devSecrets.find((secret) => secret.name === how.secret)?.value ?? '';
    const base = `${bridge.httpUrl}/webhooks/${provider}`;
    return how.header
      ? { provider, url: base, header: `${how.header}: ${value}` }
      : { provider, url: `${base}?key=${encodeURIComponent(value)}` };
  });
}

/** Everything a developer needs to reach the running bridge, as printed at start-up. */
export function bannerLines(bridge: LocalBridge): string[] {
  const data = bridge.dataDir ? displayPath(bridge.dataDir) : undefined;
  const lines = [
    `chat-bridge local runtime ready in ${bridge.startupMs} ms`,
    '',
    `  HTTP API        ${bridge.httpUrl}`,
    `  WebSocket       ${bridge.wsUrl}/?token=<app JWT>   (npm run token -- --sub alice)`,
    `  Console         ${bridge.httpUrl}/console#token=<app JWT>   (dead letters: role operator)`,
    `  @connections    ${bridge.managementEndpoint}   (WS_MANAGEMENT_ENDPOINT)`,
    `  Lambda Invoke   ${bridge.invokeEndpoint}`,
    `  DynamoDB        ${bridge.dynamoEndpoint}   (${Object.values(bridge.tableNames).join(', ')})`,
    `  Dead letters    ${bridge.deadLetterQueueUrl}   (SQS; npm run dlq)`,
    `  Data            ${data ? `${data}/` : 'in memory (--memory): nothing is kept'}`,
    '',
    '  Webhooks',
    ...webhookUrls(bridge).map(
      (hook) =>
        `    ${hook.provider.padEnd(14)}${hook.url}${hook.header ? `   (header ${hook.header})` : ''}`,
    ),
    '',
    '  Routes',
    ...bridge.httpRoutes.map(
      (route) => `    ${route.method.padEnd(7)}${route.path.padEnd(30)}-> ${route.function}`,
    ),
    ...bridge.wsRoutes.map((route) => `    WS   ${route.routeKey.padEnd(30)}-> ${route.function}`),
    ...bridge.streamConsumers.map(
      (consumer) => `    STREAM ${consumer.table.padEnd(28)}-> ${consumer.function}`,
    ),
    `    Invoke: ${bridge.functions.join(', ')}`,
    '',
    '  Dev configuration',
    ...bridge.devSecrets.map((secret) => {
      const how =
        secret.source === 'environment'
          ? 'from the environment'
          : !bridge.dataDir
            ? `generated for this run: ${secret.value}`
            : secret.source === 'generated'
              ? `generated, kept in ${displayPath(devSecretsPath(bridge.dataDir))}`
              : `kept in ${displayPath(devSecretsPath(bridge.dataDir))}`;
      return `    ${secret.name.padEnd(28)}${how}`;
    }),
    `    ${'BRIDGES_FILE'.padEnd(28)}${process.env.BRIDGES_FILE ?? 'bridges.json'}`,
  ];
  if (bridge.configError) {
    lines.push('', `  ! The handlers cannot start: ${bridge.configError}`);
  }
  return lines;
}

/** The banner as one object, for `--json-logs`. */
export function bannerJson(bridge: LocalBridge): Record<string, unknown> {
  return {
    level: 'info',
    time: new Date().toISOString(),
    kind: 'ready',
    message: `chat-bridge local runtime ready in ${bridge.startupMs} ms`,
    httpUrl: bridge.httpUrl,
    wsUrl: bridge.wsUrl,
    managementEndpoint: bridge.managementEndpoint,
    invokeEndpoint: bridge.invokeEndpoint,
    dynamoEndpoint: bridge.dynamoEndpoint,
    deadLetterQueueUrl: bridge.deadLetterQueueUrl,
    dataDir: bridge.dataDir ?? null,
    webhooks: webhookUrls(bridge),
    functions: bridge.functions,
    devSecrets: bridge.devSecrets.map((secret) => ({
      name: secret.name,
      source: secret.source,
      ...(!bridge.dataDir && secret.source === 'generated' && { value: secret.value }),
    })),
    ...(bridge.configError && { configError: bridge.configError }),
  };
}

function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown === '' || shown.startsWith('..') ? path : shown;
}
