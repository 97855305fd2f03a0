import {
  CreateChatTokenCommand,
  IvschatClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-ivschat';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ivsDisplayNameAttributes } from '../../functions/providers/ivs/token';
import { createTokensHandler } from '../../functions/tokens';
import { startFakeIvsControl, type FakeIvsControl } from '../support/fake-ivs-control';
import { startHarness, type Harness } from '../support/harness';
import { APP_SECRET, ROOM, appToken, invoke, tokenRequest } from './support';

const mockIvs = () => mockClient(IvschatClient);
const ENV = { APP_JWT_SECRET: APP_SECRET, IVS_BOT_USER_ID: 'bridge-bot' };

describe('POST /tokens/ivs (CreateChatToken)', () => {
  let harness: Harness;
  // Mocked for this block only: the next one proves the real client against a fake server.
  let ivs: ReturnType<typeof mockIvs>;
  const handler = createTokensHandler();

  beforeAll(() => {
    ivs = mockIvs();
  });
  afterAll(() => ivs.restore());
  beforeEach(async () => {
    ivs.reset();
    ivs.on(CreateChatTokenCommand).resolves({
      token: 'AQICAHh-token',
      tokenExpirationTime: new Date('2024-05-02T10:01:00Z'),
      sessionExpirationTime: new Date('2024-05-02T11:00:00Z'),
    });
    harness = await startHarness({ env: ENV });
  });
  afterEach(() => harness.close());

  it('gives a member SEND_MESSAGE only, as themselves, with their display name', async () => {
    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, appToken()));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      token: 'AQICAHh-token',
      sessionExpirationTime: '2024-05-02T11:00:00.000Z',
      tokenExpirationTime: '2024-05-02T10:01:00.000Z',
    });
    expect(ivs.commandCalls(CreateChatTokenCommand).map((c) => c.args[0].input)).toEqual([
      {
        roomIdentifier: ROOM,
        userId: 'user-42',
        capabilities: ['SEND_MESSAGE'],
        sessionDurationInMinutes: 60,
        attributes: { displayName: 'Ana Silva' },
      },
    ]);
  });

  it('adds DELETE_MESSAGE and DISCONNECT_USER for the moderator role', async () => {
    const token = appToken({ sub: 'mod-1', name: 'Mia', roles: ['moderator'] });

    await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, token));

    expect(ivs.commandCalls(CreateChatTokenCommand)[0]?.args[0].input).toEqual({
      roomIdentifier: ROOM,
      userId: 'mod-1',
      capabilities: ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'],
      sessionDurationInMinutes: 60,
      attributes: { displayName: 'Mia' },
    });
  });

  it('ignores capabilities, userId, duration and attributes the client asks for', async () => {
    const body = {
      bridge: 'support',
      capabilities: ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'],
      userId: 'admin',
      roles: ['moderator'],
      sessionDurationInMinutes: 180,
      attributes: { displayName: 'Admin' },
    };

    await invoke(handler, tokenRequest('ivs', body, appToken({ roles: ['viewer'] })));

    expect(ivs.commandCalls(CreateChatTokenCommand)[0]?.args[0].input).toEqual({
      roomIdentifier: ROOM,
      userId: 'user-42',
      capabilities: ['SEND_MESSAGE'],
      sessionDurationInMinutes: 60,
      attributes: { displayName: 'Ana Silva' },
    });
  });

  it('keeps the token attributes within the 1 KB IVS limit', async () => {
    const longName = 'Ä'.repeat(2000);

    await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, appToken({ name: longName })));

    const attributes = ivs.commandCalls(CreateChatTokenCommand)[0]?.args[0].input.attributes ?? {};
    const bytes = Object.entries(attributes).reduce(
      (sum, [k, value]) => sum + Buffer.byteLength(k) + Buffer.byteLength(value),
      0,
    );
    expect(bytes).toBeLessThanOrEqual(1024);
    expect(attributes.displayName?.startsWith('ÄÄÄ')).toBe(true);
    expect(ivsDisplayNameAttributes('😀'.repeat(300)).displayName).not.toMatch(/\uFFFD/);
  });

  it('uses IVS_SESSION_MINUTES from the environment', async () => {
    await harness.close();
    harness = await startHarness({ env: { ...ENV, IVS_SESSION_MINUTES: '15' } });

    await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, appToken()));

    expect(
      ivs.commandCalls(CreateChatTokenCommand)[0]?.args[0].input.sessionDurationInMinutes,
    ).toBe(15);
  });

  it('answers a generic 500 for an IVS_SESSION_MINUTES outside 1-180 and logs the variable', async () => {
    await harness.close();
    harness = await startHarness({ env: { ...ENV, IVS_SESSION_MINUTES: '500' } });

    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, appToken()));

    expect(response.status).toBe(500);
    expect(harness.logs.join('\n')).toMatch(/IVS_SESSION_MINUTES must be an integer from 1 to 180/);
    expect(ivs.commandCalls(CreateChatTokenCommand)).toHaveLength(0);
  });

  it('answers 502 with the IVS error name and status when IVS refuses', async () => {
    ivs.on(CreateChatTokenCommand).rejects(
      new ResourceNotFoundException({
        message: `room ${ROOM} not found`,
        $metadata: { httpStatusCode: 404 },
        resourceId: ROOM,
        resourceType: 'ROOM',
      }),
    );

    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, appToken()));

    expect(response.status).toBe(502);
    expect(response.body.detail).toBe(
      'ivs refused CreateChatToken: ResourceNotFoundException (HTTP 404)',
    );
  });

  it('answers 503 when IVS is not configured', async () => {
    await harness.close();
    harness = await startHarness({ env: { APP_JWT_SECRET: APP_SECRET } });

    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, appToken()));

    expect(response.status).toBe(503);
    expect(response.body.detail).toMatch(/IVS_BOT_USER_ID/);
  });
});

describe('POST /tokens/ivs against a local IVS control plane (the real client, endpoint from env)', () => {
  let harness: Harness;
  let fake: FakeIvsControl;

  beforeEach(async () => {
    fake = await startFakeIvsControl({ now: () => new Date('2024-05-02T10:00:00Z') });
    vi.stubEnv('AWS_ENDPOINT_URL_IVSCHAT', fake.url);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    harness = await startHarness({ env: ENV });
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await harness.close();
    await fake.close();
  });

  it('sends a signed rest-json CreateChatToken and returns the ChatToken shape', async () => {
    // A client made after the env is set: the SDK itself resolves AWS_ENDPOINT_URL_IVSCHAT.
    const handler = createTokensHandler({
      clients: { ivsClientFor: (region: string) => new IvschatClient({ region }) },
    });

    const response = await invoke(
      handler,
      tokenRequest('ivs', { bridge: 'support' }, appToken({ roles: ['moderator'] })),
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      token: 'AQICAHh-fake-token-for-user-42',
      sessionExpirationTime: '2024-05-02T11:00:00.000Z',
      tokenExpirationTime: '2024-05-02T10:01:00.000Z',
    });
    const [request] = fake.requests;
    expect(request?.path).toBe('/CreateChatToken');
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/ivschat\/aws4_request/,
    );
    expect(request?.body).toEqual({
      roomIdentifier: ROOM,
      userId: 'user-42',
      capabilities: ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'],
      sessionDurationInMinutes: 60,
      attributes: { displayName: 'Ana Silva' },
    });
  });

  it('turns an AccessDeniedException from the control plane into a 502', async () => {
    fake.failWith({ status: 403, type: 'AccessDeniedException', message: 'not authorized' });
    const handler = createTokensHandler({
      clients: { ivsClientFor: (region: string) => new IvschatClient({ region }) },
    });

    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, appToken()));

    expect(response.status).toBe(502);
    expect(response.body.detail).toBe(
      'ivs refused CreateChatToken: AccessDeniedException (HTTP 403)',
    );
  });
});
