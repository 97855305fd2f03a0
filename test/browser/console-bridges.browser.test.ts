import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../e2e/world';
import { browserAvailability, launchChromium } from './chromium';

const availability = browserAvailability();

/**
 * An operator edits bridges in the live console (headless Chromium, local runtime): creates
 * one, changes its channels and directions, closes it, and is told to reload when someone
 * else changed it underneath. Controls are found by their accessible names, as a screen
 * reader would announce them.
 */
describe.skipIf(!availability.run)('the console edits bridges for operators', () => {
  let world: World;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [world, browser] = await Promise.all([startWorld(), launchChromium()]);
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const operator = world.appToken('olga', 'Olga', ['operator']);
    await page.goto(`${world.bridge.httpUrl}/console#token=${operator}`);
    await page.getByRole('region', { name: /Bridges/ }).waitFor({ timeout: 15_000 });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  /** The bridge as the API has it now, read with an operator token of the test's own. */
  async function stored(id: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${world.bridge.httpUrl}/bridges/${id}`, {
      headers: { authorization: `Bearer ${world.appToken('test', 'Test', ['operator'])}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const form = () => page.getByRole('form', { name: /bridge/ });
  const saved = (version: number) =>
    expect
      .poll(() => page.locator('#bridges-status').innerText(), { timeout: 10_000 })
      .toContain(`(version ${version})`);

  it('creates a bridge with two channels', async () => {
    // Act
    await page.getByRole('button', { name: 'New bridge' }).click();
    await form().getByLabel('Bridge id', { exact: true }).fill('desk-ui');
    await form().getByLabel('Provider 1', { exact: true }).selectOption('gitple');
    await form().getByLabel('Channel 1', { exact: true }).fill('room-ui-1');
    await form().getByRole('button', { name: 'Add channel' }).click();
    await form().getByLabel('Provider 2', { exact: true }).selectOption('gitple');
    await form().getByLabel('Channel 2', { exact: true }).fill('room-ui-2');
    await form().getByLabel('Direction 2', { exact: true }).selectOption('out');
    await form().getByRole('button', { name: 'Save' }).click();
    await saved(1);

    // Assess
    expect(await stored('desk-ui')).toMatchObject({
      status: 200,
      body: {
        version: 1,
        origin: 'api',
        bridge: {
          channels: [
            { provider: 'gitple', channel: 'room-ui-1', direction: 'inout' },
            { provider: 'gitple', channel: 'room-ui-2', direction: 'out' },
          ],
        },
      },
    });
    await expect
      .poll(() => page.locator('#bridges-list tr[data-bridge-id="desk-ui"]').innerText())
      .toContain('gitple:room-ui-2 (out)');
  });

  it('changes its channels and their directions, sending the version it read', async () => {
    // Act
    await form().getByLabel('Channel 1', { exact: true }).fill('room-ui-3');
    await form().getByLabel('Direction 1', { exact: true }).selectOption('in');
    await form().getByRole('button', { name: 'Remove channel 2' }).click();
    await form().getByRole('button', { name: 'Add channel' }).click();
    await form().getByLabel('Provider 2', { exact: true }).selectOption('gitple');
    await form().getByLabel('Channel 2', { exact: true }).fill('room-ui-4');
    await form().getByRole('button', { name: 'Save' }).click();
    await saved(2);

    // Assess
    expect((await stored('desk-ui')).body).toMatchObject({
      version: 2,
      bridge: {
        channels: [
          { provider: 'gitple', channel: 'room-ui-3', direction: 'in' },
          { provider: 'gitple', channel: 'room-ui-4', direction: 'inout' },
        ],
      },
    });
  });

  it('says "changed by someone else — reload" when the version changed underneath, and overwrites nothing', async () => {
    // Prepare: another operator replaces it (version 3) while this page still holds version 2.
    const elsewhere = await fetch(`${world.bridge.httpUrl}/bridges/desk-ui`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${world.appToken('otto', 'Otto', ['operator'])}`,
        'content-type': 'application/json',
        'if-match': '"2"',
      },
      body: JSON.stringify({ channels: [{ provider: 'gitple', channel: 'room-ui-5' }] }),
    });
    expect(elsewhere.status).toBe(200);

    // Act
    await form().getByLabel('Channel 1', { exact: true }).fill('room-ui-6');
    await form().getByRole('button', { name: 'Save' }).click();
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.innerText(), { timeout: 10_000 })
      .toMatch(/changed by someone else — reload/i);
    const unchanged = await stored('desk-ui');
    await page.getByRole('button', { name: 'Reload' }).click();

    // Assess
    expect(unchanged.body).toMatchObject({
      version: 3,
      bridge: { channels: [{ channel: 'room-ui-5' }] },
    });
    await expect
      .poll(() => form().getByLabel('Channel 1', { exact: true }).inputValue())
      .toBe('room-ui-5');
    expect(await page.locator('#bridge-version').innerText()).toBe('version 3');
    expect(await alert.innerText()).toBe('');
    expect(await page.locator('#bridge-problem').getAttribute('aria-live')).toBe('assertive');
  });

  it('closes it with the version read: the API then answers 404 and the list drops it', async () => {
    // Act
    await form().getByRole('button', { name: 'Close bridge' }).click();
    await expect
      .poll(() => page.locator('#bridges-status').innerText(), { timeout: 10_000 })
      .toContain('closed desk-ui');

    // Assess
    expect((await stored('desk-ui')).status).toBe(404);
    expect(await page.locator('#bridges-list tr[data-bridge-id="desk-ui"]').count()).toBe(0);
    expect(await form().isVisible()).toBe(false);
    // The channels are free again: another bridge may read room-ui-5.
    const reuse = await fetch(`${world.bridge.httpUrl}/bridges/desk-ui-2`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${world.appToken('otto', 'Otto', ['operator'])}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ channels: [{ provider: 'gitple', channel: 'room-ui-5' }] }),
    });
    expect(reuse.status).toBe(201);
    expect(pageErrors).toEqual([]);
  });

  it('shows the panel to operators only', async () => {
    const member = await browser.context.newPage();
    await member.goto(`${world.bridge.httpUrl}/console#token=${world.appToken('mia', 'Mia')}`);
    await member.locator('#connection[data-state="open"]').waitFor({ timeout: 15_000 });

    expect(await member.locator('#bridges-panel').isVisible()).toBe(false);
    await member.close();
  });
});
