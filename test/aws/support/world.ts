import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { createHttpGateway } from '../../../local/gateway/http-gateway';
import type { RouteSpec } from '../../../local/gateway/http-routes';
import { createWsGateway, type WsRouteSpec } from '../../../local/gateway/ws-gateway';
import { createLocalLog } from '../../../local/tooling/log';
import { closeServer, listen } from '../../../local/tooling/net';
import {
  startFakeGitplePlatform,
  type FakeGitplePlatform,
} from '../../support/fake-gitple-platform';
import { startFakeIvsChat, type FakeIvsChat } from '../../support/fake-ivs-chat';
import {
  startFakePingstreamsAuth,
  type FakePingstreamsAuth,
} from '../../support/fake-pingstreams-auth';
import { startFakeTigerConnect, type FakeTigerConnect } from '../../support/fake-tigerconnect';
import { eventually } from '../../local/local-bridge';
import { BundleHost, type HostedFunction } from './bundle-host';
import { CloudFormationResponses, createCustomResources } from './custom-resources';
import { startIamEmulator, type IamEmulator } from './iam-emulator';
import { LambdaPermissions } from './lambda-permissions';
import { assetFolder, assumeRole, provisionTemplate, type ProvisionedRole } from './provision';
import { StreamMapping } from './stream-mapping';
import { loadTemplate, TemplateResolver } from './template';

export const REGION = 'us-west-2';
export const ACCOUNT = '123456789012';
export const STACK = 'ChatBridge';
export const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
export const PROJECT = '65f1c0ffee0000000000abcd';
export const REQUEST = `support-group-${PROJECT}-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b`;
/** What the profile deploys with IVS_ROOMS: every room of the account and region. */
export const ALLOWED_ROOMS = `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/*`;

const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');
export const OUT_DIR = resolve(PROJECT_ROOT, 'cdk.out.aws');
const BRIDGES_FILE = 'test/aws/bridges.aws.json';

/** The operator's `aws secretsmanager put-secret-value` after the deploy. */
/** AZStack's app key pair: AZStack encrypts callbacks with the public half. */
export const AZSTACK_KEYS = generateKeyPairSync('rsa', { modulusLength: 3072 });
export const AZSTACK_APP_ID = '26870527d2ac628002dda81be54217cf';

export const SECRETS = {
  AZSTACK_PRIVATE_KEY: AZSTACK_KEYS.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  AZSTACK_SECRET_CODE: 'azstack-secret-code-aws',
  APP_JWT_SECRET: 'aws-profile-app-jwt-secret-0123456789abcdef',
  GITPLE_APP_API_KEY: 'gitple-api-key',
  GITPLE_WEBHOOK_KEY: 'gitple-webhook-key-aws',
  PINGSTREAMS_PROJECT_SECRET: 'pingstreams-project-secret',
  PINGSTREAMS_WEBHOOK_SECRET: '56c189c8-33ae-4930-bd98-410a12aa45ce',
  TIGERCONNECT_API_SECRET: 'tc-secret-aws-profile',
  TIGERCONNECT_WEBHOOK_KEY: 'tiger-forwarder-key-aws',
};

export interface AwsWorld {
  emulator: IamEmulator;
  resolver: TemplateResolver;
  host: BundleHost;
  roles: Map<string, ProvisionedRole>;
  permissions: LambdaPermissions;
  relayMapping: StreamMapping;
  ivs: FakeIvsChat;
  gitple: FakeGitplePlatform;
  pingstreams: FakePingstreamsAuth;
  tiger: FakeTigerConnect;
  httpUrl: string;
  wsUrl: string;
  /** A FUNCTIONS entry's deployed function (logical id `Bridge<Name>Function…`). */
  fn(name: string): HostedFunction;
  /** A table's physical name by its FUNCTIONS-side logical name (`Events`, `State`, `Bridges`). */
  table(logicalName: string): string;
  tableArn(logicalName: string): string;
  queueUrl(logicalPrefix: string): string;
  /** The SourceArn of the Lambda permission whose logical id starts with `logicalPrefix`. */
  permissionSource(logicalPrefix: string): string;
  operatorDynamo: DynamoDBClient;
  operatorSqs: SQSClient;
  appToken(sub: string, name?: string, roles?: string[]): string;
  client(sub: string, roles?: string[]): Promise<WsClient>;
  /** Invoke as the service a resource-based permission names (IVS, CloudWatch Logs, EventBridge). */
  invokeAs(principal: string, sourceArn: string, name: string, event: unknown): Promise<unknown>;
  /** Lambda's asynchronous invocation (retries, then the function's DLQ), as `principal`. */
  invokeAsyncAs(
    principal: string,
    sourceArn: string,
    name: string,
    event: unknown,
  ): Promise<{ ok: boolean; attempts: number }>;
  close(): Promise<void>;
}

export interface WsClient {
  socket: WebSocket;
  frames: Record<string, unknown>[];
  send(frame: unknown): void;
  waitFor(
    what: string,
    predicate: (frame: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  close(): void;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * `cdk synth` as a deployer runs it: this profile's bridges file and rules, provider settings
 * pointing at the local provider servers, run-time IVS rooms allowed account-wide, and
 * fan-out pages of one connection so the relay's FanOut invocations are exercised with two
 * subscribers. AWS_PROFILE_REUSE_SYNTH=1 reuses cdk.out.aws (iterating on the profile itself).
 */
async function synth(settings: Record<string, string>): Promise<void> {
  if (process.env.AWS_PROFILE_REUSE_SYNTH === '1') return;
  await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--output', OUT_DIR], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...settings, BRIDGES_FILE },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The provider servers' ports, baked into the synthesized settings (kept for a reused synth). */
async function providerPorts(): Promise<
  Record<'gitple' | 'pingstreams' | 'tiger' | 'ivsMessaging', number>
> {
  const file = join(OUT_DIR, 'profile-ports.json');
  if (process.env.AWS_PROFILE_REUSE_SYNTH === '1' && existsSync(file)) {
    return JSON.parse(readFileSync(file, 'utf8')) as Awaited<ReturnType<typeof providerPorts>>;
  }
  return {
    gitple: await freePort(),
    pingstreams: await freePort(),
    tiger: await freePort(),
    ivsMessaging: await freePort(),
  };
}

export async function startAwsWorld(): Promise<AwsWorld> {
  const ports = await providerPorts();
  const settings = {
    IVS_ROOMS: ALLOWED_ROOMS,
    AZSTACK_APP_ID,
    IVS_BOT_USER_ID: 'bridge-bot',
    IVS_MESSAGING_URL: `ws://127.0.0.1:${ports.ivsMessaging}`,
    GITPLE_HOST: `http://127.0.0.1:${ports.gitple}`,
    GITPLE_APP_ID: 'gitple-app',
    GITPLE_BOT_USER_ID: 'bridge-bot',
    PINGSTREAMS_API_URL: `http://127.0.0.1:${ports.pingstreams}`,
    PINGSTREAMS_PROJECT_ID: PROJECT,
    PINGSTREAMS_BOT_USER_ID: 'bridge-bot',
    TIGERCONNECT_API_URL: `http://127.0.0.1:${ports.tiger}`,
    TIGERCONNECT_API_KEY: 'tc-key-1f2e3d',
    TIGERCONNECT_BOT_USER_ID: 'tiger-bot',
    FANOUT_PAGE_THRESHOLD: '1',
    FANOUT_PAGE_SIZE: '1',
  };
  const [, emulator] = await Promise.all([
    synth(settings).then(() =>
      writeFileSync(join(OUT_DIR, 'profile-ports.json'), JSON.stringify(ports)),
    ),
    startIamEmulator({ region: REGION, accountId: ACCOUNT }),
  ]);
  const closers: (() => Promise<unknown>)[] = [() => emulator.close()];
  try {
    return await deploy(emulator, ports, closers);
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}

async function deploy(
  emulator: IamEmulator,
  ports: Record<'gitple' | 'pingstreams' | 'tiger' | 'ivsMessaging', number>,
  closers: (() => Promise<unknown>)[],
): Promise<AwsWorld> {
  const template = loadTemplate(OUT_DIR, STACK);
  const resolver = new TemplateResolver(template, {
    region: REGION,
    accountId: ACCOUNT,
    stackName: STACK,
  });
  const { roles } = await provisionTemplate(resolver, emulator, STACK);
  const operatorConfig = {
    endpoint: emulator.endpoint,
    region: REGION,
    credentials: emulator.operator,
  };
  const secretArn = resolver
    .resourcesOfType('AWS::SecretsManager::Secret')
    .map(([id]) => resolver.physicalOf(id).ref)[0]!;
  const secrets = new SecretsManagerClient(operatorConfig);
  await secrets.send(
    new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(SECRETS) }),
  );
  secrets.destroy();

  const ivs = await startFakeIvsChat({
    region: REGION,
    messagingPort: ports.ivsMessaging,
    reviewDeadlineMs: 5000,
    authorize: emulator.authorize,
  });
  const gitple = await startFakeGitplePlatform({
    appId: 'gitple-app',
    apiKey: SECRETS.GITPLE_APP_API_KEY,
    users: ['bridge-bot'],
    port: ports.gitple,
  });
  const pingstreams = await startFakePingstreamsAuth({
    projects: { [PROJECT]: SECRETS.PINGSTREAMS_PROJECT_SECRET },
    port: ports.pingstreams,
  });
  const tiger = await startFakeTigerConnect({
    port: ports.tiger,
    apiKey: 'tc-key-1f2e3d',
    apiSecret: SECRETS.TIGERCONNECT_API_SECRET,
    echoSentMessagesAs: 'tiger-bot',
    streamLifetimeMs: 500,
  });
  const cfnResponses = await CloudFormationResponses.start();
  closers.push(
    () => ivs.close(),
    () => gitple.close(),
    () => pingstreams.close(),
    () => tiger.close(),
    () => cfnResponses.close(),
  );

  const apis = resolver.resourcesOfType('AWS::ApiGatewayV2::Api');
  const apiOf = (protocol: string) => {
    const found = apis.find(([, r]) => r.Properties?.ProtocolType === protocol);
    if (!found) throw new Error(`the template has no ${protocol} API`);
    return { logicalId: found[0], id: resolver.physicalOf(found[0]).ref };
  };
  const httpApi = apiOf('HTTP');
  const wsApi = apiOf('WEBSOCKET');
  const stageOf = (apiLogicalId: string) =>
    resolver
      .resourcesOfType('AWS::ApiGatewayV2::Stage')
      .map(([id, r]) => ({ id, r }))
      .find(({ r }) => (r.Properties?.ApiId as { Ref?: string })?.Ref === apiLogicalId)!.r
      .Properties!.StageName as string;
  const wsStage = stageOf(wsApi.logicalId);
  const httpStage = stageOf(httpApi.logicalId);

  // The gateways' ports exist before the functions: WS_MANAGEMENT_ENDPOINT points at one.
  const log = createLocalLog({ quiet: true });
  const wsPort = await freePort();
  const httpPort = await freePort();
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const wsUrl = `ws://127.0.0.1:${wsPort}`;
  const awsManagementEndpoint = `https://${wsApi.id}.execute-api.${REGION}.amazonaws.com`;

  const customResourceProviders = new Set(
    Object.values(template.Resources)
      .filter((r) => r.Type.startsWith('Custom::'))
      .map((r) => JSON.stringify(r.Properties?.ServiceToken)),
  );
  const functions: HostedFunction[] = [];
  const taskRoots = mkdtempSync(join(tmpdir(), 'chat-bridge-task-'));
  closers.push(async () => rmSync(taskRoots, { recursive: true, force: true }));
  for (const [id, resource] of resolver.resourcesOfType('AWS::Lambda::Function')) {
    const p = resource.Properties ?? {};
    const { ref: name, attributes } = resolver.physicalOf(id);
    const roleName = resolver.resolve<string>(p.Role, `${id}.Role`).split('/').pop()!;
    const role = [...roles.values()].find((r) => r.name === roleName)!;
    const variables = resolver.resolve<Record<string, string>>(
      (p.Environment as { Variables?: object } | undefined)?.Variables ?? {},
      `${id}.Environment`,
    );
    const environment = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [
        key,
        // The one rewrite: the WebSocket API's real hostname is this run's local gateway.
        value.startsWith(awsManagementEndpoint)
          ? `http://127.0.0.1:${wsPort}${value.slice(awsManagementEndpoint.length)}`
          : value,
      ]),
    );
    const logGroup = (p.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup;
    const deadLetter = (p.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    const deadLetterArn = deadLetter ? resolver.resolve<string>(deadLetter) : undefined;
    const deadLetterQueue = resolver
      .resourcesOfType('AWS::SQS::Queue')
      .find(([q]) => deadLetterArn && resolver.physicalOf(q).attributes.Arn === deadLetterArn);
    const isProvider = [...customResourceProviders].some((token) => token.includes(id));
    functions.push({
      logicalId: id,
      name,
      arn: attributes.Arn!,
      handler: String(p.Handler),
      taskRoot: unpack(assetFolder(OUT_DIR, resource, id), taskRoots, id),
      environment,
      endpoints: {
        AWS_ENDPOINT_URL_DYNAMODB: emulator.endpoint,
        AWS_ENDPOINT_URL_SQS: emulator.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: emulator.endpoint,
        AWS_ENDPOINT_URL_IVSCHAT: ivs.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: httpUrl,
        // The runtime's own AWS SDK, which Lambda puts on NODE_PATH for CommonJS code (the CDK
        // provider requires it); ESM bundles ignore NODE_PATH and must carry what they import.
        NODE_PATH: resolve(PROJECT_ROOT, 'node_modules'),
        ...(isProvider && { NODE_EXTRA_CA_CERTS: cfnResponses.caFile }),
      },
      credentials: await assumeRole(emulator, role, name),
      roleName: role.name,
      timeoutSeconds: Number(p.Timeout ?? 3),
      memorySize: Number(p.MemorySize ?? 128),
      runtime: String(p.Runtime),
      logGroupName: logGroup ? resolver.resolve<string>(logGroup) : `/aws/lambda/${name}`,
      createsLogGroup: !logGroup,
      ...(deadLetterQueue && { deadLetterQueueUrl: resolver.physicalOf(deadLetterQueue[0]).ref }),
    });
  }
  const host = new BundleHost(functions, { endpoint: emulator.endpoint, region: REGION });
  closers.push(() => host.close());
  const permissions = new LambdaPermissions(resolver);

  const { httpRoutes, wsRoutes } = routesOf(resolver, httpApi.id, wsApi.id);
  const sourceArn = (apiId: string, stage: string, path: string) =>
    `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/${stage}/${path}`;
  const httpServer = createHttpGateway({
    routes: httpRoutes,
    // API Gateway invokes routes under their permission; the Invoke API is IAM's (the relay's).
    host: {
      has: (name) => host.has(name),
      invoke: (name, event) => {
        const routeKey = String((event as { routeKey?: string }).routeKey ?? '');
        if (routeKey === '') return host.invoke(name, event);
        const [method, path] = routeKey === '$default' ? ['$default', ''] : routeKey.split(' ');
        return permissions
          .asService(host, 'apigateway.amazonaws.com', () => ({
            arn: sourceArn(httpApi.id, httpStage, `${method}${path}`),
          }))
          .invoke(name, event);
      },
    },
    log,
    region: REGION,
    apiId: httpApi.id,
    accountId: ACCOUNT,
    authorize: emulator.authorize,
    corsAllowedOrigins: [],
  });
  const ws = createWsGateway({
    routes: wsRoutes,
    host: permissions.asService(host, 'apigateway.amazonaws.com', (_name, event) => ({
      arn: sourceArn(
        wsApi.id,
        wsStage,
        String((event as { requestContext: { routeKey: string } }).requestContext.routeKey),
      ),
    })),
    log,
    stage: wsStage,
    apiId: wsApi.id,
    authorize: { check: emulator.authorize, region: REGION, accountId: ACCOUNT },
  });
  await listen(httpServer, httpPort, '127.0.0.1');
  await listen(ws.server, wsPort, '127.0.0.1');
  closers.push(
    () => closeServer(httpServer),
    () => ws.close(),
  );

  const invokeAs = async (principal: string, arn: string, name: string, event: unknown) => {
    const account = principal === 'ivschat.amazonaws.com' ? arn.split(':')[4] : ACCOUNT;
    const outcome = await permissions
      .asService(host, principal, () => ({ arn, ...(account && { account }) }))
      .invoke(name, event);
    if (!outcome.ok) throw new Error(`${name} failed: ${outcome.error.errorMessage}`);
    return outcome.result;
  };
  const reviewHandler = functions.find((f) => f.logicalId.startsWith('BridgeIvsReviewFunction'))!;
  ivs.onMessage = async (input) =>
    (await invokeAs('ivschat.amazonaws.com', input.RoomArn, reviewHandler.name, input)) as {
      ReviewResult: 'ALLOW';
    };

  // Everything exists: from now on every request is signed and authorized by its policy.
  await emulator.enforce();
  const stackId = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK}/00000000-0000-0000-0000-000000000000`;
  await createCustomResources(resolver, host, cfnResponses, stackId);

  const [mappingId, mapping] = resolver.resourcesOfType('AWS::Lambda::EventSourceMapping')[0]!;
  const mappingProps = resolver.resolve<Record<string, unknown>>(mapping.Properties, mappingId);
  const relayFn = functions.find((f) => f.name === mappingProps.FunctionName)!;
  const streamArn = String(mappingProps.EventSourceArn);
  const eventsTable = resolver
    .resourcesOfType('AWS::DynamoDB::Table')
    .find(([id]) => resolver.physicalOf(id).attributes.StreamArn === streamArn)!;
  const relayMapping = new StreamMapping(
    {
      streamArn,
      tableName: resolver.physicalOf(eventsTable[0]).ref,
      batchSize: Number(mappingProps.BatchSize),
      maximumRetryAttempts: Number(mappingProps.MaximumRetryAttempts),
      filters: (
        (mappingProps.FilterCriteria as { Filters: { Pattern: string }[] }).Filters ?? []
      ).map((f) => JSON.parse(f.Pattern) as Record<string, unknown>),
      reportBatchItemFailures: [mappingProps.FunctionResponseTypes]
        .flat()
        .includes('ReportBatchItemFailures'),
    },
    host,
    relayFn,
    { endpoint: emulator.endpoint, region: REGION },
  );
  await relayMapping.start();
  closers.push(() => relayMapping.stop());

  const operatorDynamo = new DynamoDBClient(operatorConfig);
  const operatorSqs = new SQSClient(operatorConfig);
  closers.push(async () => {
    operatorDynamo.destroy();
    operatorSqs.destroy();
  });
  const appToken = (sub: string, name?: string, roles: string[] = []) =>
    jwt.sign({ sub, roles, ...(name && { name }) }, SECRETS.APP_JWT_SECRET, {
      algorithm: 'HS256',
      expiresIn: '1h',
    });
  const sockets: WebSocket[] = [];
  closers.push(async () => sockets.forEach((s) => s.terminate()));

  return {
    emulator,
    resolver,
    host,
    roles,
    permissions,
    relayMapping,
    ivs,
    gitple,
    pingstreams,
    tiger,
    httpUrl,
    wsUrl,
    fn: (name) => host.byLogicalPrefix(`Bridge${name}Function`),
    table: (logicalName) =>
      resolver.physicalOf(
        resolver
          .resourcesOfType('AWS::DynamoDB::Table')
          .find(([id]) => id.startsWith(`Bridge${logicalName}Table`))![0],
      ).ref,
    tableArn: (logicalName) =>
      resolver.physicalOf(
        resolver
          .resourcesOfType('AWS::DynamoDB::Table')
          .find(([id]) => id.startsWith(`Bridge${logicalName}Table`))![0],
      ).attributes.Arn!,
    queueUrl: (logicalPrefix) =>
      resolver.physicalOf(
        resolver
          .resourcesOfType('AWS::SQS::Queue')
          .find(([id]) => id.startsWith(logicalPrefix))![0],
      ).ref,
    permissionSource: (logicalPrefix) => {
      const found = resolver
        .resourcesOfType('AWS::Lambda::Permission')
        .find(([id]) => id.startsWith(logicalPrefix));
      if (!found) throw new Error(`no Lambda permission ${logicalPrefix}*`);
      return resolver.resolve<string>(found[1].Properties?.SourceArn, found[0]);
    },
    operatorDynamo,
    operatorSqs,
    appToken,
    client: async (sub, roles = []) => {
      const socket = new WebSocket(`${wsUrl}/${wsStage}?token=${appToken(sub, sub, roles)}`);
      sockets.push(socket);
      const frames: Record<string, unknown>[] = [];
      socket.on('message', (data) =>
        frames.push(JSON.parse(String(data)) as Record<string, unknown>),
      );
      await new Promise<void>((done, fail) => {
        socket.once('open', () => done());
        socket.once('error', fail);
      });
      return {
        socket,
        frames,
        send: (frame) => socket.send(JSON.stringify(frame)),
        waitFor: (what, predicate, timeoutMs = 10_000) =>
          eventually(what, () => frames.find(predicate), timeoutMs),
        close: () => socket.close(),
      };
    },
    invokeAs,
    invokeAsyncAs: async (principal, arn, name, event) => {
      if (!permissions.allows(name, principal, arn, ACCOUNT)) {
        throw new Error(`${principal} may not invoke ${name} from ${arn}`);
      }
      const { outcome, attempts } = await host.invokeAsync(name, event);
      return { ok: outcome.ok, attempts };
    },
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}

/**
 * The deployment package where Lambda unzips it: a folder outside the project, so a bundle
 * resolves nothing from the repository's node_modules or package.json ("type": "module"
 * would make the CDK provider's CommonJS index.js an ES module).
 */
function unpack(asset: string, root: string, id: string): string {
  const taskRoot = join(root, id);
  cpSync(asset, taskRoot, { recursive: true });
  return taskRoot;
}

/** The APIs' routes as the template wires them: route key -> integration -> function. */
function routesOf(resolver: TemplateResolver, httpApiId: string, wsApiId: string) {
  const integrationFunction = new Map<string, string>();
  for (const [id, resource] of resolver.resourcesOfType('AWS::ApiGatewayV2::Integration')) {
    const uri = resolver.resolve<string>(resource.Properties?.IntegrationUri, id);
    const fn = /function:([^/:]+)/.exec(uri)?.[1];
    if (fn) integrationFunction.set(resolver.physicalOf(id).ref, fn);
  }
  const httpRoutes: RouteSpec[] = [];
  const wsRoutes: WsRouteSpec[] = [];
  for (const [id, resource] of resolver.resourcesOfType('AWS::ApiGatewayV2::Route')) {
    const p = resolver.resolve<Record<string, string>>(resource.Properties, id);
    const fn = integrationFunction.get(p.Target!.replace(/^integrations\//, ''));
    if (!fn) throw new Error(`${id}: route ${p.RouteKey} has no Lambda integration`);
    if (p.ApiId === wsApiId) wsRoutes.push({ routeKey: p.RouteKey!, function: fn });
    else if (p.ApiId === httpApiId) {
      const [method, path] =
        p.RouteKey === '$default' ? ['ANY', '$default'] : p.RouteKey!.split(' ');
      httpRoutes.push({ method: method!, path: path!, function: fn });
    }
  }
  return { httpRoutes, wsRoutes };
}
