import { constants, createHash, publicEncrypt } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SendMessageRequest } from 'amazon-ivs-chat-messaging';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ruleBridgeId } from '../../functions/core/bridge-rules';
import { gitpleDelete, gitpleMessage } from '../e2e/world';
import { joinRoom, useWsAsGlobalWebSocket, type RoomMember } from '../support/fake-ivs-chat';
import { fixture } from '../support/harness';
import { deniedReport, unusedGrants } from './support/grants';
import { runWithout } from './support/missing-grant';
import {
  ACCOUNT,
  AZSTACK_APP_ID,
  AZSTACK_KEYS,
  PROJECT,
  REGION,
  REQUEST,
  ROOM,
  SECRETS,
  startAwsWorld,
  type AwsWorld,
} from './support/world';

/** A room no bridges file names: reachable only through IVS_ROOMS (`room/*` of the account). */
const RUN_TIME_ROOM = `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/Rt7Kq2Vx9Lm4`;
const HELP_ROOM = `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/Hp3Lp8Me5Nw1`;
const started = Date.now();
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The synthesized stack on an IAM-enforcing AWS emulator (test/aws/README.md): each function's
 * bundle runs in its own Node process with its role's credentials and its synthesized
 * environment, and is driven the way AWS drives it (API Gateway, the stream mapping, IVS,
 * CloudWatch Logs, EventBridge, Lambda's Invoke API). What each call did is read back from
 * the emulator and the local provider servers.
 */
describe('the stack on an IAM-enforcing AWS emulator', () => {
  let world: AwsWorld;
  let restoreWebSocket: () => void;
  let nextId = 80_000;
  beforeAll(async () => {
    world = await startAwsWorld();
    restoreWebSocket = useWsAsGlobalWebSocket();
  });
  // Whatever IAM refused while a test ran fails that test, named: function, action, resource.
  let decisionsSeen = 0;
  afterEach(async () => {
    const decisions = await world.emulator.decisions();
    const fresh = decisions.slice(decisionsSeen);
    decisionsSeen = decisions.length;
    const denied = deniedReport(fresh, world.host.all(), { ignoreSessions: [/missing-grant/] });
    if (denied.length > 0) throw new Error(`refused during this test:\n${denied.join('\n')}`);
  });
  afterAll(async () => {
    restoreWebSocket?.();
    await world?.close();
  });

  const http = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${world.httpUrl}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(init.token && { authorization: `Bearer ${init.token}` }),
        ...(init.headers as Record<string, string>),
      },
    });
  const operator = () => world.appToken('ops-1', 'Operator', ['operator']);
  const webhook = {
    gitple: (body: unknown) =>
      http(`/webhooks/gitple?key=${SECRETS.GITPLE_WEBHOOK_KEY}`, {
        method: 'POST',
        body: JSON.stringify(body),
      }),
    pingstreams: (body: unknown) =>
      http('/webhooks/pingstreams', {
        method: 'POST',
        headers: { 'x-hook-secret': SECRETS.PINGSTREAMS_WEBHOOK_SECRET },
        body: JSON.stringify(body),
      }),
    tigerconnect: (body: unknown) =>
      http(`/webhooks/tigerconnect?key=${SECRETS.TIGERCONNECT_WEBHOOK_KEY}`, {
        method: 'POST',
        body: JSON.stringify(body),
      }),
  };
  const inRoom = <T extends { channel: object; message: object }>(room: string, body: T): T => ({
    ...body,
    channel: { ...body.channel, channel_id: room },
    message: { ...body.message, channel_id: room },
  });
  const pingstreamsMessage = (text: string, request = REQUEST) => {
    const { body } = fixture<{ body: { payload: Record<string, unknown> } }>(
      'pingstreams/webhook-message-create.json',
    );
    nextId += 1;
    return {
      ...body,
      payload: {
        ...body.payload,
        _id: `6634f0c2a1b2c3d4e5${String(nextId).padStart(6, '0')}`,
        recipient: request,
        text,
        request: { ...(body.payload.request as object), request_id: request },
      },
    };
  };
  const copies = (text: string) => ({
    ivs: world.ivs.received.filter(
      (r) => r.userId === 'bridge-bot' && String(r.frame.Content).includes(text),
    ).length,
    gitple: world.gitple.messages.filter((m) => m.content.includes(text)).length,
    pingstreams: world.pingstreams.messages.filter((m) => m.text.includes(text)).length,
    tigerconnect: world.tiger.messages.filter((m) => String(m.body.body).includes(text)).length,
  });
  const gitpleIn = (room: string, text: string) =>
    world.gitple.messages.filter((m) => m.channel_id === room && m.content.includes(text)).length;
  const until = async <T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) {
        // A refused call is the likeliest cause: name it first, then what the functions said.
        const denied = deniedReport(await world.emulator.decisions(), world.host.all());
        throw new Error([`timed out waiting for ${what}`, ...denied, ...recentOutput()].join('\n'));
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  };
  /** What the functions printed last: the first thing to read when a wait times out. */
  const recentOutput = () =>
    world.host
      .all()
      .flatMap((f) =>
        (world.host.output.get(f.name) ?? []).slice(-8).map((l) => `${f.logicalId}: ${l}`),
      );
  const settle = () => until('the relay to settle', () => world.relayMapping.idle);
  const stateItems = async (pk: string) =>
    (
      await world.operatorDynamo.send(
        new QueryCommand({
          TableName: world.table('State'),
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
        }),
      )
    ).Items ?? [];
  const ivsToken = async (bridge: string, sub: string) => {
    const response = await http('/tokens/ivs', {
      method: 'POST',
      token: world.appToken(sub, sub),
      body: JSON.stringify({ bridge }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as {
      token: string;
      sessionExpirationTime: string;
      tokenExpirationTime: string;
    };
    return {
      token: body.token,
      sessionExpirationTime: new Date(body.sessionExpirationTime),
      tokenExpirationTime: new Date(body.tokenExpirationTime),
    };
  };
  const viewer = (roomArn: string, bridge: string, userId: string): Promise<RoomMember> =>
    joinRoom(world.ivs, { roomArn, userId, tokenProvider: () => ivsToken(bridge, userId) });

  it('answers GET /health through the HTTP API', async () => {
    const response = await http('/health');

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('Gitple webhook: stored once, relayed to IVS, Pingstreams, TigerConnect and two subscribers (FanOut), a gone connection cleaned up', async () => {
    const alice = await world.client('alice');
    const bob = await world.client('bob');
    for (const client of [alice, bob]) {
      client.send({ action: 'subscribe', bridge: 'support' });
      await client.waitFor('subscribed', (f) => f.type === 'subscribed');
    }
    // A subscription whose socket went away without a $disconnect: @connections answers 410.
    const ghost: Record<string, AttributeValue>[] = [
      { pk: { S: 'CONN#ghost0000001=' }, sk: { S: 'META' }, sub: { S: 'ghost' } },
      {
        pk: { S: 'CONN#ghost0000001=' },
        sk: { S: 'SUB#support' },
        gsi1pk: { S: 'SUBS#support' },
        gsi1sk: { S: 'ghost0000001=' },
        sub: { S: 'ghost' },
        deliveries: { BOOL: false },
      },
    ];
    for (const item of ghost) {
      await world.operatorDynamo.send(
        new PutItemCommand({ TableName: world.table('State'), Item: item }),
      );
    }
    const body = gitpleMessage(++nextId, 'aws: from Gitple 👋');

    const response = await webhook.gitple(body);
    const again = await webhook.gitple(body);

    expect(response.status).toBe(200);
    const { stored } = (await response.json()) as { stored: string[] };
    expect(stored).toHaveLength(1);
    expect(again.status).toBe(200);
    const seen = (f: Record<string, unknown>) =>
      f.type === 'event' && (f.event as { id: string }).id === stored[0];
    await alice.waitFor('alice got the event', seen);
    await bob.waitFor('bob got the event', seen);
    await until('the copies', () => {
      const c = copies('aws: from Gitple 👋');
      return c.ivs === 1 && c.pingstreams === 1 && c.tigerconnect === 1;
    });
    await until(
      'the gone connection removed',
      async () => (await stateItems('CONN#ghost0000001=')).length === 0,
    );
    await settle();
    expect(copies('aws: from Gitple 👋')).toEqual({
      ivs: 1,
      gitple: 0,
      pingstreams: 1,
      tigerconnect: 1,
    });
    expect(alice.frames.filter(seen)).toHaveLength(1);
    alice.close();
    bob.close();
  });

  it('a Gitple delete follows to the IVS copy (the relay claims the deletion, IVS DeleteMessage)', async () => {
    const id = ++nextId;
    await webhook.gitple(gitpleMessage(id, 'aws: to be deleted'));
    const copy = await until('the IVS copy with its id', () =>
      world.ivs.sent.find(
        (s) =>
          s.userId === 'bridge-bot' &&
          String(s.frame.Content).includes('aws: to be deleted') &&
          s.frame.Id,
      ),
    );

    const response = await webhook.gitple(gitpleDelete(id));

    expect(response.status).toBe(200);
    await until('DeleteMessage', () =>
      world.ivs.controlCalls.find(
        (c) => c.operation === 'DeleteMessage' && c.body.id === copy.frame.Id,
      ),
    );
  });

  it('Pingstreams webhook: relayed to Gitple; a new support request opens a rule-made bridge to the desk room', async () => {
    const newRequest = `support-group-${PROJECT}-${createHash('md5').update('aws-rule').digest('hex')}`;

    const bridged = await webhook.pingstreams(pingstreamsMessage('aws: from Pingstreams'));
    const ruled = await webhook.pingstreams(pingstreamsMessage('aws: new request', newRequest));

    expect(bridged.status).toBe(200);
    expect(ruled.status).toBe(200);
    await until('Gitple room-7 got it', () => gitpleIn('room-7', 'aws: from Pingstreams') === 1);
    await until(
      'the desk got the new request',
      () => gitpleIn('room-desk', 'aws: new request') === 1,
    );
  });

  it('a portal rule: a new request gets a Gitple channel of its own, an agent answers there, request.close freezes it', async () => {
    const request = `support-group-${PROJECT}-portal${createHash('md5').update('aws-portal').digest('hex')}`;
    const channel = ruleBridgeId('ps-portal', 'pingstreams', request);
    const close = fixture<{ body: { payload: Record<string, unknown> } }>(
      'pingstreams/webhook-request-close.json',
    ).body;

    const opened = await webhook.pingstreams(pingstreamsMessage('aws: portal opens', request));
    await until(
      'the channel and its first message',
      () => gitpleIn(channel, 'aws: portal opens') === 1,
    );
    const answered = await webhook.gitple(
      inRoom(
        channel,
        gitpleMessage(++nextId, 'aws: agent answers', {}, { user_id: 'agent-1', name: 'Agent' }),
      ),
    );
    await until('the request got the answer', () =>
      world.pingstreams.messages.some(
        (m) => m.recipient === request && m.text.includes('aws: agent answers'),
      ),
    );
    const closed = await webhook.pingstreams({
      ...close,
      payload: { ...close.payload, request_id: request },
    });

    expect([opened.status, answered.status, closed.status]).toEqual([200, 200, 200]);
    expect(world.gitple.channels.get(channel)?.members).toEqual(['bridge-bot', 'agent-1']);
    await until('the channel is frozen', () => world.gitple.channels.get(channel)?.freeze === true);
  });

  it('TigerConnect: the forwarder webhook and the poller (EventBridge schedule) both relay, a group rule included', async () => {
    const batch = fixture<{ events: unknown[] }>('tigerconnect/forwarder-batch.json');
    const group = fixture<{ event: Record<string, Record<string, unknown>> }>(
      'tigerconnect/sse-group-message.json',
    );
    const inner = group.event['tigertext:iq:group_message']!;
    world.tiger.publish({
      event_id: 'aws-tiger-group-1',
      event: {
        'tigertext:iq:group_message': {
          ...inner,
          message_id: 'aws-tiger-g-1',
          body: 'aws: ward note',
        },
      },
    });

    const forwarded = await webhook.tigerconnect(batch);
    const polled = (await world.invokeAs(
      'events.amazonaws.com',
      world.permissionSource('BridgeSchedulesPollers'),
      world.fn('Pollers').name,
      { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} },
    )) as { tigerconnect: { stored: number; acked: number } };

    expect(forwarded.status).toBe(200);
    expect(polled.tigerconnect.stored).toBeGreaterThanOrEqual(1);
    expect(world.tiger.unackedIds()).not.toContain('aws-tiger-group-1');
    await until('Gitple got the forwarded message', () => gitpleIn('room-7', 'first of two') === 1);
    await until(
      'the groups room got the ward note',
      () => gitpleIn('room-groups', 'aws: ward note') === 1,
    );
  });

  it('IVS: a viewer with a token from POST /tokens/ivs chats, IVS calls the review handler, the message reaches Gitple; another room opens the help rule', async () => {
    const member = await viewer(ROOM, 'support', 'viewer-1');
    try {
      await member.room.sendMessage(new SendMessageRequest('aws: from IVS ✨'));
      await until('Gitple got the IVS message', () => gitpleIn('room-7', 'aws: from IVS ✨') === 1);
    } finally {
      member.leave();
    }
    const input = fixture<Record<string, unknown>>('ivs/review-handler-input.json');

    const review = await world.invokeAs(
      'ivschat.amazonaws.com',
      HELP_ROOM,
      world.fn('IvsReview').name,
      {
        ...input,
        RoomArn: HELP_ROOM,
        MessageId: 'HelpMsg00001',
        Content: 'aws: help please',
      },
    );

    expect(review).toMatchObject({ ReviewResult: 'ALLOW' });
    await until('the help room got it', () => gitpleIn('room-help', 'aws: help please') === 1);
  });

  it('IVS chat logging: CloudWatch Logs delivers a record; a broken one is retried, then parked in the function DLQ', async () => {
    const records = [
      {
        event_timestamp: new Date().toISOString(),
        type: 'MESSAGE',
        version: '1.0',
        payload: {
          Type: 'MESSAGE',
          Id: 'LogMsg000001',
          Content: 'aws: logged',
          Sender: { UserId: 'viewer-9', Attributes: {} },
          SendTime: new Date().toISOString(),
        },
      },
    ];
    const logs = (data: Buffer) => ({ awslogs: { data: data.toString('base64') } });
    const good = logs(
      gzipSync(
        JSON.stringify({
          messageType: 'DATA_MESSAGE',
          owner: ACCOUNT,
          logGroup: '/ivs/chat',
          logStream: 'aws/IVSChatLogs/1.0/room_g1H2I3J4k5L6',
          subscriptionFilters: ['bridge'],
          logEvents: records.map((r, i) => ({
            id: String(i),
            timestamp: Date.now(),
            message: JSON.stringify(r),
          })),
        }),
      ),
    );
    const source = world.permissionSource('BridgeIvsChatLogSubscription');
    const chatLog = world.fn('IvsChatLog');

    const delivered = await world.invokeAsyncAs('logs.amazonaws.com', source, chatLog.name, good);
    const broken = await world.invokeAsyncAs(
      'logs.amazonaws.com',
      source,
      chatLog.name,
      logs(Buffer.from('not gzip at all')),
    );

    expect(delivered).toEqual({ ok: true, attempts: 1 });
    expect(broken).toEqual({ ok: false, attempts: 3 });
    const { Messages = [] } = await world.operatorSqs.send(
      new ReceiveMessageCommand({ QueueUrl: chatLog.deadLetterQueueUrl!, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => m.Body)).toContain(
      JSON.stringify(logs(Buffer.from('not gzip at all'))),
    );
  });

  it('WebSocket: $connect stores the connection, send relays, ping answers, $disconnect removes it', async () => {
    const carol = await world.client('carol');
    const connections = async () =>
      (
        await world.operatorDynamo.send(
          new QueryCommand({
            TableName: world.table('State'),
            IndexName: 'byGsi1',
            KeyConditionExpression: 'gsi1pk = :b',
            ExpressionAttributeValues: { ':b': { S: 'SUBS#support' } },
          }),
        )
      ).Items?.filter((i) => i.sub?.S === 'carol').length ?? 0;
    carol.send({ action: 'subscribe', bridge: 'support' });
    await carol.waitFor('subscribed', (f) => f.type === 'subscribed');
    expect(await connections()).toBe(1);

    carol.send({
      action: 'send',
      bridge: 'support',
      text: 'aws: from the web',
      clientMessageId: 'c-1',
    });
    carol.send({ action: 'ping' });

    await carol.waitFor('pong', (f) => f.type === 'pong');
    await until('Gitple got the web message', () => gitpleIn('room-7', 'aws: from the web') === 1);
    carol.close();
    await until('the subscription removed', async () => (await connections()) === 0);
  });

  it('history: GET /bridges/support/events lists what was relayed', async () => {
    const response = await http('/bridges/support/events?limit=200', {
      token: world.appToken('alice', 'alice'),
    });

    expect(response.status).toBe(200);
    const text = JSON.stringify(await response.json());
    expect(text).toContain('aws: from Gitple 👋');
    expect(text).toContain('aws: from the web');
  });

  it('tokens: IVS (control plane), Gitple and Pingstreams', async () => {
    const mint = (provider: string) =>
      http(`/tokens/${provider}`, {
        method: 'POST',
        token: world.appToken('alice', 'Alice'),
        body: JSON.stringify({ bridge: 'support' }),
      });

    const [ivs, gitple, pingstreams] = await Promise.all(
      ['ivs', 'gitple', 'pingstreams'].map(mint),
    );

    expect(await ivs!.json()).toMatchObject({ token: expect.any(String) });
    expect(await gitple!.json()).toMatchObject({
      user_id: 'alice',
      session_token: expect.any(String),
    });
    expect(await pingstreams!.json()).toMatchObject({
      projectId: PROJECT,
      token: expect.any(String),
    });
  });

  it('AZStack: the authentication callback decrypts with the key from Secrets Manager', async () => {
    const timestamp = Date.now();
    const plain = {
      azStackUserID: 'user-42',
      userCredentials: world.appToken('user-42'),
      timestamp,
      appId: AZSTACK_APP_ID,
      code: createHash('md5')
        .update(`${AZSTACK_APP_ID}_${timestamp}_${SECRETS.AZSTACK_SECRET_CODE}`)
        .digest('hex'),
    };
    const token = publicEncrypt(
      { key: AZSTACK_KEYS.publicKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(JSON.stringify(plain)),
    ).toString('base64');

    const response = await http('/auth/azstack', {
      method: 'POST',
      body: JSON.stringify({ token }),
    });

    expect(await response.json()).toEqual({ result: 0 });
  });

  it('DLQ: a target that keeps failing is parked with its payload; the operator API and the DeadLetters function list and replay it', async () => {
    world.gitple.failNextMessageCalls(4, { status: 503 });
    const response = await webhook.pingstreams(pingstreamsMessage('aws: parked then replayed'));
    const { stored } = (await response.json()) as { stored: string[] };
    const listing = async () =>
      (
        (await (await http('/dead-letters', { token: operator() })).json()) as {
          letters: { messageId: string; eventId: string; target: string }[];
        }
      ).letters.filter((l) => l.eventId === stored[0]);
    const letter = await until('the dead letter', async () => (await listing())[0], 30_000);
    expect(gitpleIn('room-7', 'aws: parked then replayed')).toBe(0);

    const replay = await http(`/dead-letters/${encodeURIComponent(letter.messageId)}/replay`, {
      method: 'POST',
      token: operator(),
    });

    expect(replay.status, await replay.clone().text()).toBe(200);
    expect(gitpleIn('room-7', 'aws: parked then replayed')).toBe(1);
    expect(await listing()).toEqual([]);
    const dlq = world.fn('DeadLetters');
    const direct = await world.host.invoke(dlq.name, { action: 'list' });
    expect(direct).toMatchObject({ ok: true, result: { complete: true } });
    const emptyReplay = await world.host.invoke(dlq.name, { action: 'replay', eventId: stored[0] });
    expect(emptyReplay).toMatchObject({ ok: true });
  });

  it('operator API: a run-time bridge with an IVS room named by no bridges file relays both ways, no redeploy; a room outside IVS_ROOMS is refused', async () => {
    const created = await http('/bridges/rt-1', {
      method: 'PUT',
      token: operator(),
      body: JSON.stringify({
        channels: [
          { provider: 'ivs', channel: RUN_TIME_ROOM },
          { provider: 'gitple', channel: 'room-rt' },
        ],
      }),
    });
    const refused = await http('/bridges/rt-2', {
      method: 'PUT',
      token: operator(),
      body: JSON.stringify({
        channels: [
          { provider: 'gitple', channel: 'room-rt2' },
          { provider: 'ivs', channel: 'arn:aws:ivschat:eu-west-1:999999999999:room/Zz9Yy8Xx7Ww6' },
        ],
      }),
    });

    expect(created.status, await created.clone().text()).toBe(201);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ field: 'channels.1.channel' });
    const listed = (await (await http('/bridges', { token: operator() })).json()) as {
      bridges: { id: string }[];
    };
    expect(listed.bridges.map((b) => b.id)).toEqual(expect.arrayContaining(['support', 'rt-1']));

    await until(
      'IVS got the Gitple message in the run-time room',
      async () => {
        if (
          !world.gitple.requests.some((r) =>
            JSON.stringify(r.body).includes('aws: to the new room'),
          )
        ) {
          await webhook.gitple(inRoom('room-rt', gitpleMessage(++nextId, 'aws: to the new room')));
        }
        return world.ivs.received.some(
          (r) =>
            r.roomArn === RUN_TIME_ROOM &&
            r.userId === 'bridge-bot' &&
            String(r.frame.Content).includes('aws: to the new room'),
        );
      },
      20_000,
    );
    const member = await viewer(RUN_TIME_ROOM, 'rt-1', 'viewer-rt');
    try {
      await member.room.sendMessage(new SendMessageRequest('aws: back from the new room'));
      await until(
        'Gitple room-rt got the reply',
        () => gitpleIn('room-rt', 'aws: back from the new room') === 1,
      );
    } finally {
      member.leave();
    }

    const etag = created.headers.get('etag')!;
    const closed = await http('/bridges/rt-1', {
      method: 'DELETE',
      token: operator(),
      headers: { 'if-match': etag },
    });
    expect(closed.status).toBe(204);
  });

  it('console: GET /console serves the operator page', async () => {
    const response = await http('/console');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  it('an identity missing one grant fails, and the failure names the function, the action and the resource', async () => {
    const { denied } = await runWithout(world, 'Relay', {
      action: 'dynamodb:BatchWriteItem',
      resource: world.tableArn('State'),
      trigger: () => webhook.gitple(gitpleMessage(++nextId, 'aws: missing grant probe')),
    });

    // Only the missing grant is refused, and the report says who, what and on which table.
    expect(denied).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${escape(`Relay (missing dynamodb:BatchWriteItem) (${world.fn('Relay').name.slice(0, 40)}-missing-grant) was denied dynamodb:BatchWriteItem on ${world.tableArn('State')}`)}( \\(×\\d+\\))?$`,
        ),
      ),
    ]);
    // The real relay then delivers it. The copy without the grant may have sent before its
    // outcome write was refused: those sends are the relay's unknown outcomes (at most one more).
    await until('the real relay delivers the probe', () =>
      Object.entries(copies('aws: missing grant probe')).every(
        ([target, n]) => target === 'gitple' || n >= 1,
      ),
    );
    process.stdout.write(
      `missing-grant probe copies: ${JSON.stringify(copies('aws: missing grant probe'))}\n`,
    );
  });

  it('nothing was denied, every invocation was permitted, no stream batch was dropped, and every grant was used or has its reason', async () => {
    const settled = await settle().then(
      () => true,
      () => false,
    );
    const decisions = await world.emulator.decisions();
    const report = deniedReport(decisions, world.host.all(), { ignoreSessions: [/missing-grant/] });

    expect(report, report.join('\n')).toEqual([]);
    expect(settled).toBe(true);
    expect(world.permissions.refusals).toEqual([]);
    expect(world.relayMapping.exhausted).toEqual([]);
    const unused = unusedGrants(world.roles, decisions, world.host.all());
    expect(unused, unused.join('\n')).toEqual([]);
    // The whole profile, synth included, stays inside its budget (4 minutes on 2 cores).
    process.stdout.write(`AWS profile: ${Math.round((Date.now() - started) / 1000)} s\n`);
  });
});
