import jwt from 'jsonwebtoken';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokensHandler } from '../../functions/tokens';
import { startFakeGitplePlatform, type FakeGitplePlatform } from '../support/fake-gitple-platform';
import { startHarness, type Harness } from '../support/harness';
import { APP_SECRET, appToken, invoke, tokenRequest } from './support';

const APP_ID = '7f3c-appid';
const API_KEY = 'sk_live_gitple_key_never_echoed';
const handler = createTokensHandler();

describe('POST /tokens/gitple against a local Gitple platform API', () => {
  let harness: Harness;
  let gitple: FakeGitplePlatform;

  async function start(overrides: Record<string, string> = {}, users: string[] = ['user-42']) {
    gitple = await startFakeGitplePlatform({ appId: APP_ID, apiKey: API_KEY, users });
    harness = await startHarness({
      env: {
        APP_JWT_SECRET: APP_SECRET,
        GITPLE_HOST: gitple.url,
        GITPLE_APP_ID: APP_ID,
        GITPLE_APP_API_KEY: API_KEY,
        ...overrides,
      },
    });
  }
  beforeEach(() => start());
  afterEach(async () => {
    await harness.close();
    await gitple.close();
  });

  it('issues a session token for an existing user, with what ChatClient + connectUser need', async () => {
    const before = Date.now();

    const response = await invoke(
      handler,
      tokenRequest('gitple', { bridge: 'support' }, appToken()),
    );

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      app_id: APP_ID,
      host: new URL(gitple.url).host,
      user_id: 'user-42',
    });
    const session = jwt.decode(response.body.session_token as string) as Record<string, number>;
    expect(session.user_id).toBe('user-42');
    expect(response.body.expires_at).toBe(session.exp);
    expect(session.exp).toBeGreaterThanOrEqual(before + 59 * 60_000);
    expect(gitple.requests).toHaveLength(1);
    expect(gitple.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/users/user-42/token',
      headers: { app_id: APP_ID, app_api_key: API_KEY },
    });
  });

  it('creates the user on first use (404), then issues the token', async () => {
    const token = appToken({ sub: 'new-user', name: 'Ben Lee' });

    const response = await invoke(handler, tokenRequest('gitple', { bridge: 'support' }, token));

    expect(response.status).toBe(200);
    expect(response.body.user_id).toBe('new-user');
    expect(gitple.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/users/new-user/token',
      'POST /v1/users',
      'POST /v1/users/new-user/token',
    ]);
    expect(gitple.requests[1]?.body).toEqual({ user_id: 'new-user', name: 'Ben Lee' });
    expect(gitple.users.get('new-user')).toEqual({ user_id: 'new-user', name: 'Ben Lee' });
  });

  it('answers 502 with the provider status and code when Gitple refuses the key, never the key', async () => {
    await harness.close();
    await gitple.close();
    await start({ GITPLE_APP_API_KEY: 'sk_wrong_key' });

    const response = await invoke(
      handler,
      tokenRequest('gitple', { bridge: 'support' }, appToken()),
    );

    expect(response.status).toBe(502);
    expect(response.body.detail).toBe(
      'gitple refused to issue a session token: HTTP 401, code 4001',
    );
    expect(JSON.stringify(response.body)).not.toContain('sk_wrong_key');
  });

  it('answers 502 when Gitple fails with a 5xx', async () => {
    gitple.failWith({
      status: 503,
      body: { code: 60999, message: 'internal: db down at 10.0.0.7' },
    });

    const response = await invoke(
      handler,
      tokenRequest('gitple', { bridge: 'support' }, appToken()),
    );

    expect(response.status).toBe(502);
    expect(response.body.detail).toBe(
      'gitple refused to issue a session token: HTTP 503, code 60999',
    );
    expect(JSON.stringify(response.body)).not.toContain('10.0.0.7');
  });

  it('answers 502 when Gitple cannot be reached', async () => {
    await gitple.close();

    const response = await invoke(
      handler,
      tokenRequest('gitple', { bridge: 'support' }, appToken()),
    );

    expect(response.status).toBe(502);
    expect(response.body.detail).toBe('gitple could not be reached');
    // The operator's log says why (error names and code), never the key it sent.
    const logged = harness.logs.find((line) => line.includes('provider refused a token request'));
    expect(logged).toMatch(/"cause":"TypeError <- Error ECONNREFUSED"/);
    expect(harness.logs.join('\n')).not.toContain(API_KEY);
    gitple = await startFakeGitplePlatform({ appId: APP_ID, apiKey: API_KEY });
  });

  it('answers 503 and calls nothing when Gitple is not configured', async () => {
    await harness.close();
    harness = await startHarness({ env: { APP_JWT_SECRET: APP_SECRET, GITPLE_HOST: gitple.url } });

    const response = await invoke(
      handler,
      tokenRequest('gitple', { bridge: 'support' }, appToken()),
    );

    expect(response.status).toBe(503);
    expect(gitple.requests).toHaveLength(0);
  });
});
