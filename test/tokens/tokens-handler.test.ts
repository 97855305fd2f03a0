import { CreateChatTokenCommand, IvschatClient } from '@aws-sdk/client-ivschat';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseBridges } from '../../functions/runtime/bridges-file';
import { createTokensHandler } from '../../functions/tokens';
import { TEST_BRIDGES, startHarness, type Harness } from '../support/harness';
import { APP_SECRET, ROOM, appToken, invoke, tokenRequest } from './support';

const BRIDGES = parseBridges({
  bridges: [
    ...TEST_BRIDGES.config.bridges,
    {
      id: 'sales',
      channels: [
        { provider: 'ivs', channel: 'arn:aws:ivschat:eu-west-1:123456789012:room/Sales1' },
      ],
    },
  ],
});

describe('POST /tokens/{provider}: who may get a token', () => {
  let harness: Harness;
  const ivs = mockClient(IvschatClient);
  const handler = createTokensHandler();

  beforeEach(async () => {
    ivs.reset();
    ivs.on(CreateChatTokenCommand).resolves({
      token: 'AQICAHh-token',
      tokenExpirationTime: new Date('2024-05-02T10:01:00Z'),
      sessionExpirationTime: new Date('2024-05-02T11:00:00Z'),
    });
    harness = await startHarness({
      bridges: BRIDGES,
      env: { APP_JWT_SECRET: APP_SECRET, IVS_BOT_USER_ID: 'bridge-bot' },
    });
  });
  afterEach(() => harness.close());

  it('answers 401 problem+json without an app JWT, and mints nothing', async () => {
    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'support' }));

    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(ivs.commandCalls(CreateChatTokenCommand)).toHaveLength(0);
  });

  it('answers 401 for a token signed with another secret', async () => {
    const forged = appToken({ roles: ['moderator'] }, { secret: 'guessed' });

    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, forged));

    expect(response.status).toBe(401);
    expect(ivs.commandCalls(CreateChatTokenCommand)).toHaveLength(0);
  });

  it('answers 403 to a user whose id is the bridge bot’s, and mints nothing', async () => {
    const token = appToken({ sub: 'bridge-bot' });

    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, token));

    expect(response.status).toBe(403);
    expect(response.body.detail).toBe('user id "bridge-bot" is reserved for the bridge bot');
    expect(ivs.commandCalls(CreateChatTokenCommand)).toHaveLength(0);
  });

  it('answers 404 for an unknown bridge', async () => {
    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'nope' }, appToken()));

    expect(response.status).toBe(404);
    expect(response.body.detail).toBe('unknown bridge "nope"');
  });

  it('answers 403 when the app JWT lists other bridges only', async () => {
    const token = appToken({ bridges: ['sales'] });

    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'support' }, token));

    expect(response.status).toBe(403);
    expect(response.body.detail).toMatch(/does not allow bridge "support"/);
    expect(ivs.commandCalls(CreateChatTokenCommand)).toHaveLength(0);
  });

  it('answers 404 naming the gap when the bridge has no channel of that provider', async () => {
    const response = await invoke(handler, tokenRequest('gitple', { bridge: 'sales' }, appToken()));

    expect(response.status).toBe(404);
    expect(response.body.detail).toBe('bridge "sales" has no gitple channel');
  });

  it('answers 503 when the provider is not configured, naming what is missing', async () => {
    const response = await invoke(
      handler,
      tokenRequest('pingstreams', { bridge: 'support' }, appToken()),
    );

    expect(response.status).toBe(503);
    expect(response.body.detail).toMatch(/PINGSTREAMS_PROJECT_ID, PINGSTREAMS_PROJECT_SECRET/);
  });

  it('answers 501 for providers without a token flow, pointing AZStack at /auth/azstack', async () => {
    const tiger = await invoke(
      handler,
      tokenRequest('tigerconnect', { bridge: 'support' }, appToken()),
    );
    const azstack = await invoke(
      handler,
      tokenRequest('azstack', { bridge: 'support' }, appToken()),
    );

    expect(tiger.status).toBe(501);
    expect(tiger.body.detail).toMatch(/no public API/);
    expect(azstack.status).toBe(501);
    expect(azstack.body.detail).toMatch(/POST \/auth\/azstack/);
  });

  it('answers 404 for an unknown provider and 400 for a body without a bridge', async () => {
    const unknown = await invoke(handler, tokenRequest('slack', { bridge: 'support' }, appToken()));
    const noBridge = await invoke(handler, tokenRequest('ivs', { room: ROOM }, appToken()));

    expect(unknown.status).toBe(404);
    expect(noBridge.status).toBe(400);
    expect(noBridge.body.field).toBe('bridge');
  });

  it('mints for the bridge room of the region in its ARN, and is never cached', async () => {
    const response = await invoke(handler, tokenRequest('ivs', { bridge: 'sales' }, appToken()));

    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const [call] = ivs.commandCalls(CreateChatTokenCommand);
    expect(call?.args[0].input.roomIdentifier).toBe(
      'arn:aws:ivschat:eu-west-1:123456789012:room/Sales1',
    );
    expect(await call?.thisValue.config.region()).toBe('eu-west-1');
  });
});
