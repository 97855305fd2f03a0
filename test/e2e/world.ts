import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { startFakeGitplePlatform, type FakeGitplePlatform } from '../support/fake-gitple-platform';
import { startFakeIvsChat, type FakeIvsChat } from '../support/fake-ivs-chat';
import {
  startFakePingstreamsAuth,
  type FakePingstreamsAuth,
} from '../support/fake-pingstreams-auth';
import { startFakeTigerConnect, type FakeTigerConnect } from '../support/fake-tigerconnect';
import { eventually, startTestBridge, type TestBridge } from '../local/local-bridge';

export const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
export const PROJECT = '65f1c0ffee0000000000abcd';
export const REQUEST = `support-group-${PROJECT}-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b`;
const APP_JWT_SECRET = 'e2e-app-jwt-secret-0123456789abcdef';
const GITPLE_KEY = 'gitple-webhook-key-e2e';
const PINGSTREAMS_HOOK_SECRET = '56c189c8-33ae-4930-bd98-410a12aa45ce';
const TIGER_KEY = 'tiger-forwarder-key-e2e';

/** The whole bridge on the local runtime, with every provider a local server speaking its API. */
export interface World {
  bridge: TestBridge;
  ivs: FakeIvsChat;
  gitple: FakeGitplePlatform;
  pingstreams: FakePingstreamsAuth;
  tiger: FakeTigerConnect;
  appToken(sub: string, name?: string, claims?: string[] | Record<string, unknown>): string;
  postWebhook(
    provider: string,
    body: unknown,
    init?: { query?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  invoke(functionName: string, payload: unknown): Promise<unknown>;
  client(sub?: string): Promise<Client>;
  close(): Promise<void>;
}

export interface Client {
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

/**
 * `env`: variables on top of the world's own (e.g. a lowered fan-out page threshold);
 * `bridgesFile`: another bridges file than the repository's (relative to the repository);
 * `gitpleChannels`: the only Gitple channels that exist before the bridge creates any (by
 * default every channel exists); `dataDir`: keep the local runtime's data (and its stream
 * log) there instead of in memory.
 */
export async function startWorld(
  options: {
    env?: Record<string, string>;
    bridgesFile?: string;
    gitpleChannels?: string[];
    dataDir?: string;
  } = {},
): Promise<World> {
  const ivs = await startFakeIvsChat({ region: 'us-west-2', reviewDeadlineMs: 2000 });
  const gitple = await startFakeGitplePlatform({
    appId: 'gitple-app',
    apiKey: 'gitple-api-key',
    users: ['bridge-bot'],
    ...(options.gitpleChannels && { knownChannels: options.gitpleChannels }),
  });
  const pingstreams = await startFakePingstreamsAuth({
    projects: { [PROJECT]: 'pingstreams-project-secret' },
  });
  const tiger = await startFakeTigerConnect({
    echoSentMessagesAs: 'tiger-bot',
    streamLifetimeMs: 500,
  });
  const bridge = await startTestBridge({
    env: {
      APP_JWT_SECRET,
      AWS_ENDPOINT_URL_IVSCHAT: ivs.endpoint,
      IVS_MESSAGING_URL: ivs.messagingUrl,
      IVS_BOT_USER_ID: 'bridge-bot',
      GITPLE_HOST: gitple.url,
      GITPLE_APP_ID: 'gitple-app',
      GITPLE_APP_API_KEY: 'gitple-api-key',
      GITPLE_BOT_USER_ID: 'bridge-bot',
      GITPLE_WEBHOOK_KEY: GITPLE_KEY,
      PINGSTREAMS_API_URL: pingstreams.url,
      PINGSTREAMS_PROJECT_ID: PROJECT,
      PINGSTREAMS_PROJECT_SECRET: 'pingstreams-project-secret',
      PINGSTREAMS_WEBHOOK_SECRET: PINGSTREAMS_HOOK_SECRET,
      PINGSTREAMS_BOT_USER_ID: 'bridge-bot',
      ...tiger.env,
      TIGERCONNECT_BOT_USER_ID: 'tiger-bot',
      TIGERCONNECT_WEBHOOK_KEY: TIGER_KEY,
      BRIDGES_FILE: options.bridgesFile ?? 'bridges.json',
      // The bridged rooms' region: chat-log records name no room, the ARN is rebuilt with it.
      AWS_REGION: 'us-west-2',
      ...options.env,
    },
    streamRetryDelayMs: 50,
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
  });
  const lambda = new LambdaClient({
    endpoint: bridge.httpUrl,
    region: bridge.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const invoke = async (functionName: string, payload: unknown) => {
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    const text = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
    if (response.FunctionError) throw new Error(`${functionName} failed: ${text}`);
    return JSON.parse(text || 'null') as unknown;
  };
  // IVS calls the review handler for every message, the bridge bot's included.
  ivs.onMessage = async (input) => (await invoke('IvsReview', input)) as { ReviewResult: 'ALLOW' };
  // `claims`: roles as a list (the usual case), or any extra claims.
  const appToken = (sub: string, name?: string, claims: string[] | Record<string, unknown> = {}) =>
    jwt.sign(
      { ...(Array.isArray(claims) ? { roles: claims } : claims), sub, ...(name && { name }) },
      APP_JWT_SECRET,
      { algorithm: 'HS256', expiresIn: '1h' },
    );
  const clients: Client[] = [];
  return {
    bridge,
    ivs,
    gitple,
    pingstreams,
    tiger,
    appToken,
    invoke,
    postWebhook: (provider, body, init = {}) => {
      const query =
        init.query ??
        { gitple: `?key=${GITPLE_KEY}`, tigerconnect: `?key=${TIGER_KEY}`, pingstreams: '' }[
          provider
        ] ??
        '';
      return fetch(`${bridge.httpUrl}/webhooks/${provider}${query}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(provider === 'pingstreams' && { 'x-hook-secret': PINGSTREAMS_HOOK_SECRET }),
          ...init.headers,
        },
        body: JSON.stringify(body),
      });
    },
    client: async (sub = 'alice') => {
      const socket = new WebSocket(`${bridge.wsUrl}?token=${appToken(sub, sub.toUpperCase())}`);
      const frames: Record<string, unknown>[] = [];
      socket.on('message', (data) =>
        frames.push(JSON.parse(String(data)) as Record<string, unknown>),
      );
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      const client: Client = {
        socket,
        frames,
        send: (frame) => socket.send(JSON.stringify(frame)),
        waitFor: (what, predicate, timeoutMs = 8000) =>
          eventually(what, () => frames.find(predicate), timeoutMs),
        close: () => socket.close(),
      };
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const client of clients) client.socket.terminate();
      lambda.destroy();
      await bridge.close();
      await Promise.all([ivs.close(), gitple.close(), pingstreams.close(), tiger.close()]);
    },
  };
}

/** A Gitple `group:message_send` webhook for channel room-7. */
export function gitpleMessage(
  id: number,
  content: string,
  meta: Record<string, unknown> = {},
  user = { user_id: 'user-42', name: 'Ana' },
) {
  return {
    category: 'group:message_send',
    app_id: 'gitple-app',
    channel: {
      channel_id: 'room-7',
      type: 'group',
      name: 'Support 7',
      freeze: false,
      total_message_count: id,
      total_file_count: 0,
      created_at: 1714600000000,
      updated_at: 1714644005000 + id,
    },
    message: {
      type: 'text',
      message_id: id,
      channel_id: 'room-7',
      content,
      meta,
      user: { ...user, created_at: 1714000000000, updated_at: 1714000000000 },
      created_at: 1714644005000 + id,
      updated_at: 1714644005000 + id,
    },
  };
}

export function gitpleDelete(id: number) {
  const send = gitpleMessage(id, '');
  const { content: _content, meta: _meta, ...message } = send.message;
  return {
    ...send,
    category: 'group:message_delete',
    message: { ...message, updated_at: message.updated_at + 1000 },
  };
}

export { eventually };
