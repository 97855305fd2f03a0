import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, startTestBridge, testFunction, type TestBridge } from '../local-bridge';

interface WsEvent {
  requestContext: {
    routeKey: string;
    eventType: string;
    connectionId: string;
    stage: string;
    disconnectStatusCode?: number;
    messageId?: string;
    requestTimeEpoch: number;
  };
  queryStringParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded: boolean;
}

/** A $connect that accepts only `?token=good`, as the real one accepts only a valid app JWT. */
function wsFunctions(events: WsEvent[]) {
  return {
    functions: {
      TestConnect: testFunction(),
      TestDisconnect: testFunction(),
      TestEcho: testFunction(),
      TestDefault: testFunction(),
    },
    modules: {
      TestConnect: {
        handler: async (event: WsEvent) => {
          events.push(event);
          return event.queryStringParameters?.token === 'good'
            ? { statusCode: 200 }
            : { statusCode: 401, body: 'bad token' };
        },
      },
      TestDisconnect: {
        handler: async (event: WsEvent) => {
          events.push(event);
          return { statusCode: 200 };
        },
      },
      TestEcho: {
        handler: async (event: WsEvent) => {
          events.push(event);
          return {
            statusCode: 200,
            body: JSON.stringify({ type: 'echo', got: JSON.parse(event.body!) }),
          };
        },
      },
      TestDefault: {
        handler: async (event: WsEvent) => {
          events.push(event);
          return { statusCode: 200 };
        },
      },
    },
    wsRoutes: [
      { routeKey: '$connect', function: 'TestConnect' },
      { routeKey: '$disconnect', function: 'TestDisconnect' },
      { routeKey: 'echo', function: 'TestEcho' },
      { routeKey: '$default', function: 'TestDefault' },
    ],
  };
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve) => socket.once('message', (data) => resolve(data.toString())));
}

function closed(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
}

describe('local WebSocket API', () => {
  let bridge: TestBridge;
  let management: ApiGatewayManagementApiClient;
  let events: WsEvent[];

  beforeEach(async () => {
    events = [];
    bridge = await startTestBridge({
      streamConsumers: [],
      idleTimeoutMs: 60_000,
      ...wsFunctions(events),
    });
    management = new ApiGatewayManagementApiClient({
      endpoint: bridge.managementEndpoint,
      region: bridge.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterEach(async () => {
    management.destroy();
    await bridge.close();
  });

  const connectionIdOf = () =>
    events.find((event) => event.requestContext.eventType === 'CONNECT')!.requestContext
      .connectionId;

  it('accepts a connection its $connect accepts, with the query string as queryStringParameters', async () => {
    const socket = await open(`${bridge.wsUrl}/?token=good`);

    const [connect] = events;
    expect(connect).toMatchObject({
      queryStringParameters: { token: 'good' },
      requestContext: { routeKey: '$connect', eventType: 'CONNECT', stage: 'local' },
    });
    expect(connect!.requestContext.connectionId).toMatch(/^[\w=-]{16}$/);
    socket.close();
  });

  it('refuses the upgrade with the status a $connect answers', async () => {
    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${bridge.wsUrl}/?token=bad`);
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('error', () => undefined);
    });

    expect(refused).toBe(401);
  });

  it('routes on body.action, falls back to $default, and sends a returned body back', async () => {
    const socket = await open(`${bridge.wsUrl}/?token=good`);

    const reply = nextMessage(socket);
    socket.send(JSON.stringify({ action: 'echo', n: 1 }));
    expect(JSON.parse(await reply)).toEqual({ type: 'echo', got: { action: 'echo', n: 1 } });
    socket.send('not json at all');
    const fallback = await eventually('the $default route', () =>
      events.find((event) => event.requestContext.routeKey === '$default'),
    );

    expect(fallback).toMatchObject({
      body: 'not json at all',
      isBase64Encoded: false,
      requestContext: { eventType: 'MESSAGE', connectionId: connectionIdOf() },
    });
    expect(fallback.requestContext.messageId).toBeTruthy();
    socket.close();
  });

  it("stamps a connection's frames with strictly increasing requestTimeEpoch, in arrival order", async () => {
    const socket = await open(`${bridge.wsUrl}/?token=good`);

    // Twenty frames written at once: several arrive within the same millisecond.
    for (let n = 0; n < 20; n += 1) socket.send(JSON.stringify({ action: 'echo', n }));
    const messages = await eventually('twenty frames', () => {
      const found = events.filter((event) => event.requestContext.eventType === 'MESSAGE');
      return found.length === 20 ? found : undefined;
    });

    const byTime = [...messages].sort(
      (a, b) => a.requestContext.requestTimeEpoch - b.requestContext.requestTimeEpoch,
    );
    expect(byTime.map((event) => (JSON.parse(event.body!) as { n: number }).n)).toEqual(
      Array.from({ length: 20 }, (_, n) => n),
    );
    const times = byTime.map((event) => event.requestContext.requestTimeEpoch);
    expect(new Set(times).size).toBe(20);
    socket.close();
  });

  it('serves @connections POST, GET and DELETE to the real management client', async () => {
    const socket = await open(`${bridge.wsUrl}/?token=good`);
    const connectionId = connectionIdOf();

    const pushed = nextMessage(socket);
    await management.send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: Buffer.from('{"type":"pong"}'),
      }),
    );
    expect(await pushed).toBe('{"type":"pong"}');
    const info = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(info.Identity?.SourceIp).toBe('127.0.0.1');
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(Math.abs(info.ConnectedAt!.getTime() - Date.now())).toBeLessThan(5000);
    expect(info.LastActiveAt).toBeInstanceOf(Date);
    const closing = closed(socket);
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));

    expect(await closing).toBe(1000);
    const disconnect = await eventually('$disconnect', () =>
      events.find((event) => event.requestContext.eventType === 'DISCONNECT'),
    );
    expect(disconnect.requestContext).toMatchObject({ routeKey: '$disconnect', connectionId });
  });

  it('answers GoneException (410) for a connection that has disconnected', async () => {
    const socket = await open(`${bridge.wsUrl}/?token=good`);
    const connectionId = connectionIdOf();
    socket.close(1000);
    await eventually('$disconnect', () =>
      events.find((event) => event.requestContext.eventType === 'DISCONNECT'),
    );

    const posting = management.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('late') }),
    );

    await expect(posting).rejects.toBeInstanceOf(GoneException);
    await expect(posting).rejects.toMatchObject({
      name: 'GoneException',
      $metadata: { httpStatusCode: 410 },
    });
  });

  it('refuses @connections data over 128 KiB with PayloadTooLargeException', async () => {
    await open(`${bridge.wsUrl}/?token=good`);

    const posting = management.send(
      new PostToConnectionCommand({
        ConnectionId: connectionIdOf(),
        Data: Buffer.alloc(128 * 1024 + 1, 97),
      }),
    );

    await expect(posting).rejects.toBeInstanceOf(PayloadTooLargeException);
  });

  it('closes a client that sends a frame over 128 KiB with 1009, then runs $disconnect', async () => {
    const socket = await open(`${bridge.wsUrl}/?token=good`);
    const closing = closed(socket);

    socket.send('x'.repeat(128 * 1024 + 1));

    expect(await closing).toBe(1009);
    const disconnect = await eventually('$disconnect', () =>
      events.find((event) => event.requestContext.eventType === 'DISCONNECT'),
    );
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1009);
    expect(events.some((event) => event.requestContext.eventType === 'MESSAGE')).toBe(false);
  });
});

describe('local WebSocket API time limits', () => {
  it('disconnects an idle connection (1001) and runs $disconnect', async () => {
    const events: WsEvent[] = [];
    const bridge = await startTestBridge({
      streamConsumers: [],
      idleTimeoutMs: 150,
      ...wsFunctions(events),
    });
    try {
      const socket = await open(`${bridge.wsUrl}/?token=good`);
      const started = Date.now();

      const code = await closed(socket);

      expect(code).toBe(1001);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      const disconnect = await eventually('$disconnect', () =>
        events.find((event) => event.requestContext.eventType === 'DISCONNECT'),
      );
      expect(disconnect.requestContext.disconnectStatusCode).toBe(1001);
    } finally {
      await bridge.close();
    }
  });

  it('disconnects at the maximum connection duration even when active', async () => {
    const events: WsEvent[] = [];
    const bridge = await startTestBridge({
      streamConsumers: [],
      idleTimeoutMs: 60_000,
      maxConnectionMs: 300,
      ...wsFunctions(events),
    });
    try {
      const socket = await open(`${bridge.wsUrl}/?token=good`);
      const keepAlive = setInterval(() => socket.send('{"action":"echo"}'), 50);

      const code = await closed(socket);
      clearInterval(keepAlive);

      expect(code).toBe(1001);
    } finally {
      await bridge.close();
    }
  });
});
