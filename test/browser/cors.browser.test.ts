import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitpleMessage, startWorld, type World } from '../e2e/world';
import { servePage, type PageResults } from './browser-page';
import { browserAvailability, launchChromium } from './chromium';

const availability = browserAvailability();
// eslint-disable-next-line no-console -- the one line that says why the browser tests did not run
if (!availability.run) console.warn(availability.reason);

/**
 * A frontend on a second loopback origin calls the local runtime from headless Chromium: the
 * browser itself enforces CORS, so this passes only if preflights and response headers are right.
 */
describe.skipIf(!availability.run)('a browser page on another origin', () => {
  let world: World;
  let page: Awaited<ReturnType<typeof servePage>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let results: () => Promise<PageResults>;

  beforeAll(async () => {
    world = await startWorld();
    page = await servePage();
    browser = await launchChromium();
    const tab = await browser.context.newPage();
    const hash = new URLSearchParams({
      api: world.bridge.httpUrl,
      ws: world.bridge.wsUrl,
      jwt: world.appToken('alice', 'Alice'),
    });
    await tab.goto(`${page.origin}/#${hash.toString()}`);
    results = () => tab.evaluate(() => (globalThis as unknown as { results: PageResults }).results);
    await tab.waitForFunction(
      () => {
        const r = (globalThis as unknown as { results?: PageResults }).results;
        return r?.error !== undefined || r?.frames.some((frame) => frame.type === 'subscribed');
      },
      undefined,
      { timeout: 15_000 },
    );
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await page?.close();
    await world?.close();
  });

  it('is on a different origin than the API', () => {
    expect(new URL(page.origin).origin).not.toBe(new URL(world.bridge.httpUrl).origin);
  });

  it('gets an IVS chat token with POST /tokens/ivs', async () => {
    const { token, error } = await results();

    expect(error).toBeUndefined();
    expect(token).toEqual({
      status: 200,
      body: {
        token: expect.any(String),
        sessionExpirationTime: expect.any(String),
        tokenExpirationTime: expect.any(String),
      },
    });
  });

  it('reads the history with GET /bridges/{id}/events', async () => {
    const { history } = await results();

    expect(history).toMatchObject({ status: 200, body: { bridge: 'support', events: [] } });
  });

  it('holds a WebSocket that receives what a provider posts to the bridge', async () => {
    const webhook = await world.postWebhook('gitple', gitpleMessage(501, 'hello browser'));
    expect(webhook.status).toBeLessThan(300);

    const frames = await (async () => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const current = (await results()).frames;
        if (current.some((frame) => frame.type === 'event') || Date.now() > deadline) {
          return current;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    expect(frames[0]).toMatchObject({ type: 'subscribed', bridge: 'support' });
    const event = frames.find((frame) => frame.type === 'event') as
      { event: { data: { message: { text: string } } } } | undefined;
    expect(event?.event.data.message.text).toBe('hello browser');
  });
});
