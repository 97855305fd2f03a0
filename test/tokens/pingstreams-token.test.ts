import { createRequire } from 'node:module';
import jwt from 'jsonwebtoken';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokensHandler } from '../../functions/tokens';
import {
  startFakePingstreamsAuth,
  type FakePingstreamsAuth,
} from '../support/fake-pingstreams-auth';
import { startHarness, type Harness } from '../support/harness';
import { APP_SECRET, appToken, invoke, tokenRequest } from './support';

const PROJECT_ID = '65f1c0ffee0000000000abcd';
const PROJECT_SECRET = 'pingstreams-project-shared-secret';
const handler = createTokensHandler();

/** The real Tiledesk client (Pingstreams is Tiledesk), to prove the fake speaks its format. */
const { TiledeskClient } = createRequire(import.meta.url)('@tiledesk/tiledesk-client') as {
  TiledeskClient: {
    customAuthentication(
      token: string,
      apikey: string,
      options: { APIURL: string },
      callback: (error: unknown, body: unknown) => void,
    ): void;
  };
};

describe('POST /tokens/pingstreams against a local Pingstreams auth endpoint', () => {
  let harness: Harness;
  let pingstreams: FakePingstreamsAuth;

  beforeEach(async () => {
    pingstreams = await startFakePingstreamsAuth({ projects: { [PROJECT_ID]: PROJECT_SECRET } });
    harness = await startHarness({
      env: {
        APP_JWT_SECRET: APP_SECRET,
        PINGSTREAMS_API_URL: pingstreams.url,
        PINGSTREAMS_PROJECT_ID: PROJECT_ID,
        PINGSTREAMS_PROJECT_SECRET: PROJECT_SECRET,
      },
    });
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await harness.close();
    await pingstreams.close();
  });

  it('signs the custom JWT and exchanges it, answering {projectId, token, expiresAt}', async () => {
    const token = appToken({ email: 'ana@example.com' });

    const response = await invoke(
      handler,
      tokenRequest('pingstreams', { bridge: 'support' }, token),
    );

    expect(response.status).toBe(200);
    const [exchange] = pingstreams.requests;
    expect(exchange?.headers.authorization).toMatch(/^JWT ey/);
    expect(exchange?.claims).toMatchObject({
      _id: `${PROJECT_ID}_user-42`,
      sub: 'userexternal',
      aud: `https://pingstreams.com/projects/${PROJECT_ID}`,
      email: 'ana@example.com',
      firstname: 'Ana',
      lastname: 'Silva',
    });
    const claims = exchange!.claims!;
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    expect(response.body).toEqual({
      projectId: PROJECT_ID,
      token: `JWT ${(exchange!.headers.authorization as string).slice(4)}`,
      expiresAt: new Date((claims.exp as number) * 1000).toISOString(),
    });
  });

  it('uses a placeholder email under .invalid when the app JWT has none', async () => {
    await invoke(
      handler,
      tokenRequest('pingstreams', { bridge: 'support' }, appToken({ sub: 'ana@corp/1' })),
    );

    expect(pingstreams.requests[0]?.claims?.email).toBe('ana=40corp=2F1@users.chat-bridge.invalid');
  });

  it('answers 502 with the provider status when Pingstreams refuses the token', async () => {
    await harness.close();
    harness = await startHarness({
      env: {
        APP_JWT_SECRET: APP_SECRET,
        PINGSTREAMS_API_URL: pingstreams.url,
        PINGSTREAMS_PROJECT_ID: PROJECT_ID,
        PINGSTREAMS_PROJECT_SECRET: 'rotated-away-secret',
      },
    });

    const response = await invoke(
      handler,
      tokenRequest('pingstreams', { bridge: 'support' }, appToken()),
    );

    expect(response.status).toBe(502);
    expect(response.body.detail).toBe('pingstreams refused the custom token: HTTP 401');
    expect(JSON.stringify(response.body)).not.toContain('rotated-away-secret');
  });

  it('answers 502 on a Pingstreams 5xx, showing its short message only', async () => {
    pingstreams.failWith({
      status: 500,
      body: { success: false, msg: 'Error getting the project' },
    });

    const response = await invoke(
      handler,
      tokenRequest('pingstreams', { bridge: 'support' }, appToken()),
    );

    expect(response.status).toBe(502);
    expect(response.body.detail).toBe(
      'pingstreams refused the custom token: HTTP 500 (Error getting the project)',
    );
  });

  it('answers 503 when the project secret is missing', async () => {
    await harness.close();
    harness = await startHarness({
      env: { APP_JWT_SECRET: APP_SECRET, PINGSTREAMS_PROJECT_ID: PROJECT_ID },
    });

    const response = await invoke(
      handler,
      tokenRequest('pingstreams', { bridge: 'support' }, appToken()),
    );

    expect(response.status).toBe(503);
    expect(pingstreams.requests).toHaveLength(0);
  });

  it('is a stand-in the real Tiledesk client signs in against', async () => {
    vi.stubEnv('NO_PROXY', '127.0.0.1,localhost');
    const custom = jwt.sign(
      { _id: `${PROJECT_ID}_user-7`, email: 'u7@example.com', sub: 'userexternal' },
      PROJECT_SECRET,
      { audience: `https://pingstreams.com/projects/${PROJECT_ID}`, expiresIn: 60 },
    );

    const body = await new Promise<unknown>((resolve, reject) =>
      TiledeskClient.customAuthentication(custom, 'APIKEY', { APIURL: pingstreams.url }, (e, b) =>
        e ? reject(e instanceof Error ? e : new Error(String(e))) : resolve(b),
      ),
    );

    expect(body).toMatchObject({ success: true, token: `JWT ${custom}` });
    expect(pingstreams.requests[0]?.headers.authorization).toBe(`JWT ${custom}`);
  });
});
