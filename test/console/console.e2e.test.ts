import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deterministicEventId } from '../../functions/core/event-id';
import { channelKey } from '../../functions/core/providers';
import { DynamoRelayState } from '../../functions/infra/dynamo-relay-state';
import { gitpleMessage, REQUEST, startWorld, type World } from '../e2e/world';
import { launchChromium } from './browser';

/**
 * The live console in headless Chromium against the local runtime: the page is served by the
 * Console function, signs in with an app JWT, and drives the real WebSocket and HTTP APIs.
 */
describe('live console, in a real browser', () => {
  let world: World;
  let browser: Browser;
  let page: Page;
  let nextId = 9100;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [world, browser] = await Promise.all([startWorld(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const operator = world.appToken('olga', 'Olga', ['operator']);
    await page.goto(`${world.bridge.httpUrl}/console#token=${operator}`);
    await page.locator('#connection[data-state="open"]').waitFor({ timeout: 15_000 });
    // Live events flow once the server stored the subscription.
    await page.locator('#connection[data-subscribed="support"]').waitFor({ timeout: 15_000 });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function postGitple(text: string): Promise<string> {
    const response = await world.postWebhook('gitple', gitpleMessage(++nextId, text));
    expect(response.status).toBe(200);
    return ((await response.json()) as { stored: string[] }).stored[0]!;
  }

  it('shows a posted webhook as it arrives, with its delivery to each target', async () => {
    const eventId = await postGitple('hello from the test');

    const row = page.locator(`#live tr[data-event-id="${eventId}"]`);
    await row.waitFor({ timeout: 10_000 });
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toContain('hello from the test');
    const chips = row.locator('.chip[data-status="delivered"]');
    await expect.poll(() => chips.count(), { timeout: 15_000 }).toBe(3);
    const targets = await chips.evaluateAll((nodes) =>
      nodes.map((n) => n.getAttribute('data-target')).sort(),
    );
    expect(targets).toEqual(['ivs', 'pingstreams', 'tigerconnect']);
    expect(await row.innerText()).toContain('Ana');
    // The page does not leave the token in the address bar.
    expect(page.url()).not.toContain('token=');
  });

  it('pages through history from the start', async () => {
    await page.click('#history-first');

    await expect
      .poll(() => page.locator('#history').innerText(), { timeout: 10_000 })
      .toContain('hello from the test');
    expect(await page.locator('#history-status').innerText()).toMatch(/event\(s\)/);
  });

  it('marks a copy sent again after an interrupted send "may duplicate", and not one looked for first', async () => {
    // Prepare: the relay died during a send of this event to TigerConnect and to Pingstreams
    // (their intents, a minute old, were never settled); neither provider got the message.
    const id = ++nextId;
    const eventId = deterministicEventId('gitple', 'chat.message.created', 'room-7', [
      'room-7',
      String(id),
    ]);
    const state = new DynamoRelayState(world.bridge.dynamo, world.bridge.tableNames.STATE_TABLE!);
    for (const target of [channelKey('tigerconnect', 'u-def'), channelKey('pingstreams', REQUEST)])
      await state.putDelivery({
        eventId,
        target,
        status: 'sending',
        attempts: 1,
        updatedAt: new Date(Date.now() - 60_000).toISOString(),
      });

    // Act
    const response = await world.postWebhook('gitple', gitpleMessage(id, 'after a crash'));
    expect(response.status).toBe(200);

    // Assess: TigerConnect cannot be searched, so its copy is sent again and flagged;
    // Pingstreams was searched (not there) and sent, unflagged.
    const row = page.locator(`#live tr[data-event-id="${eventId}"]`);
    const chip = (target: string) => row.locator(`.chip[data-target="${target}"]`);
    await expect
      .poll(() => chip('tigerconnect').getAttribute('data-may-duplicate'), { timeout: 15_000 })
      .toBe('true');
    expect(await chip('tigerconnect').innerText()).toContain('may duplicate');
    await expect
      .poll(() => chip('pingstreams').getAttribute('data-status'), { timeout: 15_000 })
      .toBe('delivered');
    expect(await chip('pingstreams').getAttribute('data-may-duplicate')).toBeNull();
    expect(await chip('pingstreams').innerText()).not.toContain('may duplicate');
    const copies = (texts: string[]) => texts.filter((t) => t.includes('after a crash')).length;
    expect(copies(world.tiger.messages.map((m) => String(m.body.body)))).toBe(1);
    expect(copies(world.pingstreams.messages.map((m) => m.text))).toBe(1);
  });

  it('lists dead letters and replays one from the page, which delivers it and leaves the other', async () => {
    // Four attempts per delivery: both messages exhaust their retries to Pingstreams.
    world.pingstreams.failNextMessageCalls(8, { status: 503 });
    const eventId = await postGitple('parked then replayed from the console');
    const otherId = await postGitple('parked and left alone');
    for (const id of [eventId, otherId]) {
      await page
        .locator(
          `#live tr[data-event-id="${id}"] .chip[data-target="pingstreams"][data-status="failed"]`,
        )
        .waitFor({ timeout: 30_000 });
    }
    const letter = page.locator('#dead-letters tr', { hasText: eventId });
    const other = page.locator('#dead-letters tr', { hasText: otherId });
    await expect
      .poll(
        async () => {
          await page.click('#dead-letters-refresh');
          return (await letter.count()) + (await other.count());
        },
        { timeout: 20_000, interval: 300 },
      )
      .toBe(2);
    expect(await letter.innerText()).toContain('pingstreams');
    await page.screenshot({ path: '/tmp/chat-bridge-console.png', fullPage: true });

    await letter.locator('button', { hasText: 'Replay' }).click();

    await expect
      .poll(() => page.locator('#dead-letters-status').innerText(), { timeout: 20_000 })
      .toContain('replayed');
    expect(await page.locator('#dead-letters-status').innerText()).toContain('pingstreams');
    expect(await page.locator('#dead-letters-status').innerText()).toContain('delivered');
    expect(
      world.pingstreams.messages.filter((m) => m.text.includes('parked then replayed')),
    ).toHaveLength(1);
    expect(world.pingstreams.messages.some((m) => m.text.includes('left alone'))).toBe(false);
    // The list was read again after the replay: the replayed letter is gone, the other stays.
    expect(await letter.count()).toBe(0);
    expect(await other.count()).toBe(1);
  });

  it('keeps dead letters to operators', async () => {
    const member = world.appToken('mia', 'Mia');
    const response = await fetch(`${world.bridge.httpUrl}/dead-letters`, {
      headers: { authorization: `Bearer ${member}` },
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const memberPage = await browser.newPage();
    await memberPage.goto(`${world.bridge.httpUrl}/console#token=${member}`);
    await memberPage.locator('#connection[data-state="open"]').waitFor({ timeout: 15_000 });
    expect(await memberPage.locator('#dead-letters-panel').isVisible()).toBe(false);
    await memberPage.close();
    // Everything above ran under the page's own CSP without a script error.
    expect(pageErrors).toEqual([]);
  });
});
