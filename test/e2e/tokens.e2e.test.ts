import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT, startWorld, type World } from './world';

/** Token routes on the local runtime, with every provider a local server speaking its API. */
describe('POST /tokens/{provider} on the local runtime', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world?.close());

  const mint = (provider: string, token = world.appToken('alice', 'Alice Liddell')) =>
    fetch(`${world.bridge.httpUrl}/tokens/${provider}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        bridge: 'support',
        capabilities: ['DELETE_MESSAGE'],
        userId: 'mallory',
      }),
    });

  it('IVS: a chat token from the control plane for the caller, with member rights only', async () => {
    const response = await mint('ivs');

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      token: expect.any(String),
      sessionExpirationTime: expect.any(String),
      tokenExpirationTime: expect.any(String),
    });
    const call = world.ivs.controlCalls.findLast((c) => c.operation === 'CreateChatToken');
    expect(call?.body).toMatchObject({
      userId: 'alice',
      capabilities: ['SEND_MESSAGE'],
      attributes: { displayName: 'Alice Liddell' },
    });
  });

  it('Gitple: what ChatClient + connectUser need, creating the user on first use', async () => {
    const response = await mint('gitple');

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      app_id: 'gitple-app',
      user_id: 'alice',
      session_token: expect.any(String),
      expires_at: expect.any(Number),
    });
    expect(world.gitple.users.has('alice')).toBe(true);
  });

  it('Pingstreams: the exchanged token for the project', async () => {
    const response = await mint('pingstreams');

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      projectId: PROJECT,
      token: expect.any(String),
      expiresAt: expect.any(String),
    });
  });

  it.each([
    ['tigerconnect', 501],
    ['azstack', 501],
    ['slack', 404],
  ])('%s answers %i as problem+json', async (provider, status) => {
    const response = await mint(provider);

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses a request without a valid app JWT', async () => {
    const response = await mint('ivs', 'not-a-jwt');

    expect(response.status).toBe(401);
  });
});
