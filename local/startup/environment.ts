import type { FunctionName } from '../../functions/definitions/functions';
import type { EmbeddedDynamo } from '../dynamo/embedded-dynamo';
import type { DevSecret } from '../tooling/dev-config';
import type { LocalSettings } from './options';

export interface LocalEndpoints {
  devSecrets: DevSecret[];
  dynamo: EmbeddedDynamo;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  deadLetterQueueUrl: string;
  httpUrl: string;
  wsUrl: string;
  managementEndpoint: string;
  consolePageFile: string;
}

/** The handlers' environment: the local endpoints, tables and dev secrets on top of options.env. */
export function localEnvironment(
  { options, region, baseEnv }: LocalSettings,
  local: LocalEndpoints,
): Record<string, string | undefined> {
  const { devSecrets, dynamo, httpUrl } = local;
  return {
    // Local receivers (customer URLs in bridges.json) listen on loopback over plain http.
    ALLOW_LOOPBACK_HTTP: baseEnv.ALLOW_LOOPBACK_HTTP ?? 'true',
    ...options.env,
    AWS_REGION: region,
    BRIDGES_FILE: baseEnv.BRIDGES_FILE || 'bridges.json',
    ...Object.fromEntries(devSecrets.map((secret) => [secret.name, secret.value])),
    ...dynamo.tableNames,
    AWS_ENDPOINT_URL_DYNAMODB: local.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: local.sqsEndpoint,
    DEAD_LETTER_QUEUE_URL: local.deadLetterQueueUrl,
    WS_MANAGEMENT_ENDPOINT: local.managementEndpoint,
    WEBSOCKET_URL: local.wsUrl,
    CONSOLE_PAGE_FILE: local.consolePageFile,
    // Large fan-outs go through FanOut invocations here too, by this runtime's Invoke API.
    AWS_ENDPOINT_URL_LAMBDA: httpUrl,
    FANOUT_FUNCTION_NAME: baseEnv.FANOUT_FUNCTION_NAME || ('FanOut' satisfies FunctionName),
    // The SDK must find credentials without probing instance metadata; the local servers
    // do not check them. Real credentials, when present, are left alone for other services.
    ...(!baseEnv.AWS_ACCESS_KEY_ID &&
      !baseEnv.AWS_PROFILE && { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }),
  };
}

/**
 * Sets the handlers' environment in process.env (the handlers run in this process) and returns
 * what puts the previous values back.
 */
export function publishEnvironment(localEnv: Record<string, string | undefined>): () => void {
  const restoreEnv: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(localEnv)) {
    restoreEnv[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => restore(restoreEnv);
}

function restore(saved: Record<string, string | undefined>) {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
