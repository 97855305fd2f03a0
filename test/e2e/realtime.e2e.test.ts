import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startWorld, type Client, type World } from './world';

/**
 * What a bridge user sees in real time, end to end on the local runtime: who gets delivery
 * frames, the order of quick sends at every subscriber and provider, and a fan-out large
 * enough (here: above a lowered threshold) to be posted by FanOut invocations.
 */
describe('real-time relay, end to end on the local runtime', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ env: { FANOUT_PAGE_THRESHOLD: '4', FANOUT_PAGE_SIZE: '2' } });
  });
  afterAll(() => world?.close());

  async function subscribed(sub: string, deliveries?: boolean): Promise<Client> {
    const client = await world.client(sub);
    client.send({
      action: 'subscribe',
      bridge: 'support',
      ...(deliveries !== undefined && { deliveries }),
    });
    await client.waitFor('subscribed', (f) => f.type === 'subscribed');
    return client;
  }
  const deliveriesOf = (client: Client, eventId: string) =>
    client.frames.filter((f) => f.type === 'delivery' && f.eventId === eventId);
  const eventTexts = (client: Client, marker: string) =>
    client.frames
      .filter((f) => f.type === 'event')
      .map((f) => (f.event as { data: { message?: { text?: string } } }).data.message?.text ?? '')
      .filter((text) => text.includes(marker));

  it('sends delivery frames to the sender and to subscribers that asked, never to the others', async () => {
    // Prepare
    const [erin, frank, console] = [
      await subscribed('erin'),
      await subscribed('frank'),
      await subscribed('console', true),
    ];

    // Act
    erin.send({
      action: 'send',
      bridge: 'support',
      text: 'who hears this',
      clientMessageId: 'w-1',
    });

    // Assess
    const ack = await erin.waitFor('ack', (f) => f.type === 'ack');
    const eventId = String(ack.eventId);
    for (const client of [erin, console]) {
      await eventually('four delivery frames', () => deliveriesOf(client, eventId).length === 4);
    }
    await frank.waitFor(
      'the event',
      (f) => f.type === 'event' && (f.event as { id: string }).id === eventId,
    );
    expect(
      deliveriesOf(erin, eventId)
        .map((f) => [f.target, f.status])
        .sort(),
    ).toEqual([
      ['gitple', 'delivered'],
      ['ivs', 'delivered'],
      ['pingstreams', 'delivered'],
      ['tigerconnect', 'delivered'],
    ]);
    expect(deliveriesOf(frank, eventId)).toEqual([]);
    expect(frank.frames.some((f) => f.type === 'delivery')).toBe(false);
    for (const client of [erin, frank, console]) client.close();
  });

  it.each([
    ['as the gateway received them', 'order probe', false],
    ["by the client's own seq", 'seq probe', true],
  ])(
    'relays five quick sends from one connection in send order (%s), to every subscriber and provider',
    async (_how, marker, numbered) => {
      // Prepare
      const [gina, henry] = [await subscribed('gina'), await subscribed('henry')];
      const texts = [1, 2, 3, 4, 5].map((n) => `${marker} ${n}`);

      // Act: five frames written back to back, without waiting for any ack.
      texts.forEach((text, i) =>
        gina.send({
          action: 'send',
          bridge: 'support',
          text,
          clientMessageId: `${marker.replace(' ', '-')}-${i + 1}`,
          ...(numbered && { seq: i + 1 }),
        }),
      );

      // Assess
      await eventually(
        'every copy',
        () =>
          eventTexts(henry, marker).length === 5 &&
          eventTexts(gina, marker).length === 5 &&
          world.gitple.messages.filter((m) => m.content.includes(marker)).length === 5 &&
          world.pingstreams.messages.filter((m) => m.text.includes(marker)).length === 5 &&
          world.tiger.messages.filter((m) => String(m.body.body).includes(marker)).length === 5 &&
          world.ivs.received.filter(
            (r) => r.frame.Action === 'SEND_MESSAGE' && String(r.frame.Content).includes(marker),
          ).length === 5,
        15_000,
      );
      const inOrder = (seen: string[]) =>
        seen.map((text) => new RegExp(`${marker} \\d`).exec(text)?.[0]);
      expect(inOrder(eventTexts(henry, marker))).toEqual(texts);
      expect(inOrder(eventTexts(gina, marker))).toEqual(texts);
      expect(
        inOrder(
          world.gitple.messages.filter((m) => m.content.includes(marker)).map((m) => m.content),
        ),
      ).toEqual(texts);
      expect(
        inOrder(
          world.pingstreams.messages.filter((m) => m.text.includes(marker)).map((m) => m.text),
        ),
      ).toEqual(texts);
      expect(
        inOrder(
          world.tiger.messages
            .map((m) => String(m.body.body))
            .filter((body) => body.includes(marker)),
        ),
      ).toEqual(texts);
      expect(
        inOrder(
          world.ivs.received
            .filter((r) => r.frame.Action === 'SEND_MESSAGE')
            .map((r) => String(r.frame.Content))
            .filter((content) => content.includes(marker)),
        ),
      ).toEqual(texts);
      gina.close();
      henry.close();
    },
  );

  it('posts a fan-out above the threshold through FanOut invocations, each subscriber once', async () => {
    // Prepare: nine subscribers, above the lowered threshold of four, in pages of two.
    const clients: Client[] = [];
    for (let i = 0; i < 9; i += 1) clients.push(await subscribed(`crowd-${i}`));
    const fanOutCalls = () =>
      world.bridge.lines.filter((line) => line.includes('"function":"FanOut"')).length;
    const before = fanOutCalls();

    // Act
    clients[0]!.send({
      action: 'send',
      bridge: 'support',
      text: 'to the crowd',
      clientMessageId: 'crowd-1',
    });

    // Assess
    const ack = await clients[0]!.waitFor('ack', (f) => f.type === 'ack');
    for (const client of clients) {
      await client.waitFor(
        'the event',
        (f) => f.type === 'event' && (f.event as { id: string }).id === ack.eventId,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const client of clients) {
      expect(
        client.frames.filter(
          (f) => f.type === 'event' && (f.event as { id: string }).id === ack.eventId,
        ),
      ).toHaveLength(1);
    }
    // Nine subscribers in pages of two: five FanOut invocations for the event frame.
    expect(fanOutCalls() - before).toBeGreaterThanOrEqual(5);
    for (const client of clients) client.close();
  });

  it('shows a user with many tabs each event before its delivery frames, on every tab', async () => {
    // Prepare: one user (one app JWT sub) subscribed on twelve connections, as a load test
    // with one token or a user with many tabs is; the event goes out in FanOut pages here.
    const tabs = await Promise.all(Array.from({ length: 12 }, () => subscribed('tabby')));

    // Act
    tabs[0]!.send({
      action: 'send',
      bridge: 'support',
      text: 'many tabs',
      clientMessageId: 'tabs-1',
    });

    // Assess: on every tab the event frame, then its four delivery frames (one per target).
    const ack = await tabs[0]!.waitFor('ack', (f) => f.type === 'ack');
    const eventId = String(ack.eventId);
    const ofEvent = (tab: Client) =>
      tab.frames
        .filter((f) =>
          f.type === 'event'
            ? (f.event as { id: string }).id === eventId
            : f.type === 'delivery' && f.eventId === eventId,
        )
        .map((f) => f.type);
    for (const tab of tabs) {
      await eventually('the event and four delivery frames', () => ofEvent(tab).length === 5);
      expect(ofEvent(tab)).toEqual(['event', 'delivery', 'delivery', 'delivery', 'delivery']);
    }
    for (const tab of tabs) tab.close();
  });

  it("lets a raw client's refused send hold up none of the sends after it", async () => {
    // Prepare
    const ivan = await subscribed('ivan');
    const before = world.bridge.lines.length;

    // Act: a send refused before its turn (no such bridge), then one that is fine.
    ivan.send({ action: 'send', bridge: 'no-such-bridge', text: 'lost', clientMessageId: 'r-1' });
    ivan.send({
      action: 'send',
      bridge: 'support',
      text: 'after a refusal',
      clientMessageId: 'r-2',
    });

    // Assess: the second one did not wait out the gate's limit behind the refused one.
    await ivan.waitFor('the refusal', (f) => f.type === 'error' && f.clientMessageId === 'r-1');
    await ivan.waitFor('the ack', (f) => f.type === 'ack' && f.clientMessageId === 'r-2');
    const waited = world.bridge.lines
      .slice(before)
      .filter((line) => line.includes('still in progress'));
    expect(waited).toEqual([]);
    ivan.close();
  });
});
