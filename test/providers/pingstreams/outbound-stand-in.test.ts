import { createRequire } from 'node:module';
import jwt from 'jsonwebtoken';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  startFakePingstreamsAuth,
  type FakePingstreamsAuth,
} from '../../support/fake-pingstreams-auth';
import { PROJECT_ID, REQUEST_ID } from './deliveries';

const PROJECT_SECRET = 'pingstreams-project-shared-secret';

interface TiledeskClientInstance {
  sendSupportMessage(requestId: string, message: Record<string, unknown>): Promise<unknown>;
}

/** The real Tiledesk client (Pingstreams is Tiledesk), so the fake cannot drift from its format. */
const { TiledeskClient } = createRequire(import.meta.url)('@tiledesk/tiledesk-client') as {
  TiledeskClient: {
    new (options: {
      APIKEY: string;
      projectId: string;
      token: string;
      APIURL: string;
    }): TiledeskClientInstance;
    customAuthentication(
      token: string,
      apikey: string,
      options: { APIURL: string },
      callback: (error: unknown, body: unknown) => void,
    ): void;
  };
};

describe('the Pingstreams stand-in, driven by the real Tiledesk client', () => {
  let pingstreams: FakePingstreamsAuth;

  beforeEach(async () => {
    vi.stubEnv('NO_PROXY', '127.0.0.1,localhost');
    pingstreams = await startFakePingstreamsAuth({ projects: { [PROJECT_ID]: PROJECT_SECRET } });
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await pingstreams.close();
  });

  async function signedInClient(): Promise<{ client: TiledeskClientInstance; token: string }> {
    const custom = jwt.sign(
      {
        _id: `${PROJECT_ID}_bridge-bot`,
        email: 'bot@example.com',
        firstname: 'Bridge',
        sub: 'userexternal',
      },
      PROJECT_SECRET,
      { audience: `https://pingstreams.com/projects/${PROJECT_ID}`, expiresIn: 60 },
    );
    const signedIn = await new Promise<{ token: string }>((resolve, reject) =>
      TiledeskClient.customAuthentication(custom, 'APIKEY', { APIURL: pingstreams.url }, (e, b) =>
        e ? reject(e instanceof Error ? e : new Error(String(e))) : resolve(b as { token: string }),
      ),
    );
    const client = new TiledeskClient({
      APIKEY: 'APIKEY',
      projectId: PROJECT_ID,
      token: signedIn.token,
      APIURL: pingstreams.url,
    });
    return { client, token: signedIn.token };
  }

  it('saves a message sent with sendSupportMessage and answers it with _id and request', async () => {
    const { client, token } = await signedInClient();

    const saved = await client.sendSupportMessage(REQUEST_ID, {
      text: 'hello from the real client',
      senderFullname: 'Bridge',
      attributes: { bridge_origin: 'ivs' },
    });

    const post = pingstreams.requests.at(-1);
    expect(post).toMatchObject({
      method: 'POST',
      path: `/${PROJECT_ID}/requests/${REQUEST_ID}/messages`,
    });
    // The client sends the exchange's token as-is: it already carries the `JWT ` scheme.
    expect(post?.headers.authorization).toBe(token);
    expect(token).toMatch(/^JWT ey/);
    expect(pingstreams.messages).toHaveLength(1);
    expect(saved).toMatchObject({
      _id: pingstreams.messages[0]?._id,
      sender: `${PROJECT_ID}_bridge-bot`,
      senderFullname: 'Bridge',
      recipient: REQUEST_ID,
      text: 'hello from the real client',
      attributes: { bridge_origin: 'ivs' },
      request: { request_id: REQUEST_ID, id_project: PROJECT_ID },
    });
  });

  it('refuses a message without text with 422, which the client reports as an error', async () => {
    const { client } = await signedInClient();

    const error = await client.sendSupportMessage(REQUEST_ID, { senderFullname: 'Bridge' }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toMatchObject({
      response: { status: 422, data: { errors: ['text field is required'] } },
    });
    expect(pingstreams.messages).toHaveLength(0);
  });
});
