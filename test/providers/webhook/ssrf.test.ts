import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBridgesConfig } from '../../../functions/core/bridges';
import type { CommonEvent } from '../../../functions/core/event';
import { createLogger } from '../../../functions/core/log';
import {
  MemoryBroadcaster,
  MemoryDeadLetterQueue,
  MemoryRelayState,
} from '../../../functions/core/memory';
import { relayEventTo, type RelayDeps } from '../../../functions/core/relay';
import { PROVIDERS } from '../../../functions/providers';
import { createWebhookOutboundAdapter } from '../../../functions/providers/webhook/outbound';
import {
  connectPinned,
  type Connect,
  type PinnedPost,
  type Resolve,
} from '../../../functions/providers/webhook/pinned-http';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

const SECRET = `whsec_${Buffer.from('chat-bridge webhook test secret!').toString('base64')}`;

/**
 * A bridges file must not turn the relay into an SSRF probe. Every case runs through the real
 * relay and the real adapter; the resolver and the connector are spies that pass on to the
 * real ones only for loopback, so nothing here can leave the machine — and the spies prove
 * that a refused address was never connected to.
 */
describe('webhook deliveries refuse customer URLs that reach inside', () => {
  let receiver: WebhookReceiver;
  const connections: PinnedPost[] = [];
  const lookups: string[] = [];
  const connect: Connect = (post) => {
    connections.push(post);
    if (!post.address.address.startsWith('127.')) throw new Error('the test left loopback');
    return connectPinned(post);
  };
  const resolve: Resolve = async (hostname) => {
    lookups.push(hostname);
    // A name an attacker points at the bridge's own host.
    if (hostname === 'hooks.attacker.example') return [{ address: '127.0.0.1', family: 4 }];
    // Rebinding: loopback when checked, the private network on any later lookup.
    if (hostname === 'rebind.test') {
      const first = !lookups.slice(0, -1).includes(hostname);
      return [{ address: first ? '127.0.0.1' : '10.0.0.1', family: 4 }];
    }
    if (hostname === 'split.attacker.example') {
      return [
        { address: '93.184.215.14', family: 4 },
        { address: '::ffff:10.1.2.3', family: 6 },
      ];
    }
    throw new Error(`unexpected lookup of ${hostname}`);
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
  });
  afterAll(() => receiver.close());

  const EVENT: CommonEvent = {
    specversion: '1.0',
    id: 'gitple-c3NyZi0x',
    source: 'chat-bridge/gitple',
    type: 'chat.message.created',
    subject: 'ops',
    time: '2024-05-02T10:00:05.000Z',
    datacontenttype: 'application/json',
    data: {
      provider: 'gitple',
      channel: { id: 'room-7' },
      sender: { id: 'user-42' },
      message: { id: '1', text: 'probe', attachments: [] },
    },
  };

  async function deliverTo(channel: string, settings: Record<string, string>) {
    const deadLetters = new MemoryDeadLetterQueue();
    const broadcaster = new MemoryBroadcaster();
    const deps: RelayDeps = {
      bridges: parseBridgesConfig(
        {
          bridges: [
            {
              id: 'ops',
              channels: [
                { provider: 'gitple', channel: 'room-7', direction: 'in' },
                { provider: 'webhook', channel, direction: 'out' },
              ],
            },
          ],
        },
        PROVIDERS.channelIdFormats(),
      ),
      adapters: {
        webhook: createWebhookOutboundAdapter({
          settings: { WEBHOOK_SIGNING_SECRETS: JSON.stringify({ '*': SECRET }), ...settings },
          resolve,
          connect,
        }),
      },
      state: new MemoryRelayState(),
      broadcaster,
      deadLetters,
      metrics: { count: () => undefined },
      log: createLogger({}, { sink: () => undefined }),
      sleep: async () => undefined,
    };
    const record = await relayEventTo(
      { event: EVENT, echo: false },
      { provider: 'webhook', channel, mode: 'message' },
      deps,
    );
    return { record, letters: deadLetters.letters, frames: broadcaster.frames };
  }

  const AWS: Record<string, string> = {};
  const LOCAL = { ALLOW_LOOPBACK_HTTP: 'true' };

  it.each([
    [
      'https://169.254.169.254/latest/meta-data/',
      AWS,
      '169.254.169.254 is the cloud metadata address',
    ],
    ['https://10.0.0.1/hooks', AWS, '10.0.0.1 is a private address'],
    ['https://[::ffff:169.254.169.254]/', AWS, '::ffff:a9fe:a9fe is the cloud metadata address'],
    ['https://[fd00:ec2::254]/', AWS, 'fd00:ec2::254 is a private address'],
    ['https://0.0.0.0/', LOCAL, '0.0.0.0 is an unspecified address'],
    ['https://172.20.0.9/', LOCAL, '172.20.0.9 is a private address'],
    [
      'https://hooks.attacker.example/x',
      AWS,
      'hooks.attacker.example resolves to 127.0.0.1, a loopback address',
    ],
    [
      'https://split.attacker.example/x',
      LOCAL,
      'split.attacker.example resolves to ::ffff:10.1.2.3, a private address',
    ],
    [
      'http://127.0.0.1:9001/2018-06-01/runtime/invocation/next',
      AWS,
      'http is not allowed; receivers use https',
    ],
  ])('%s fails before any connection', async (channel, settings, reason) => {
    connections.length = 0;

    const { record, letters, frames } = await deliverTo(channel, settings);

    const detail = `webhook delivery refused: ${reason}`;
    expect(record).toMatchObject({ status: 'failed', attempts: 1, detail });
    // What the bridge's clients are told, and the full event kept for a replay.
    expect(frames).toEqual([
      expect.objectContaining({ type: 'delivery', status: 'failed', detail }),
    ]);
    expect(letters).toEqual([expect.objectContaining({ event: EVENT, attempts: 1 })]);
    expect(connections).toEqual([]);
  });

  it('looks up a name once and connects to the address it checked, not to a later answer', async () => {
    connections.length = 0;
    lookups.length = 0;

    const { record } = await deliverTo(`${receiver.url}/pinned`, LOCAL);

    expect(record.status).toBe('delivered');
    expect(lookups).toEqual([]); // an address literal is never resolved
    expect(connections.map((c) => c.address)).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('connects to the address it checked even when the name would now resolve elsewhere', async () => {
    connections.length = 0;
    lookups.length = 0;
    const { port } = new URL(receiver.url);

    const { record } = await deliverTo(`http://rebind.test:${port}/rebind`, LOCAL);

    // rebind.test exists in no real DNS: only the pinned lookup can have connected it.
    expect(record.status).toBe('delivered');
    expect(lookups).toEqual(['rebind.test']);
    expect(connections.map((c) => c.address.address)).toEqual(['127.0.0.1']);
    expect(receiver.at('/rebind')).toHaveLength(1);
  });

  it('fails a redirect to the metadata address without following it', async () => {
    connections.length = 0;
    receiver.script('/redirect', [
      { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } },
    ]);

    const { record } = await deliverTo(`${receiver.url}/redirect`, LOCAL);

    expect(record).toMatchObject({
      status: 'failed',
      attempts: 1,
      detail:
        'webhook receiver answered a redirect to http://169.254.169.254/latest/meta-data/; redirects are not followed (HTTP 307)',
    });
    expect(connections.map((c) => c.address.address)).toEqual(['127.0.0.1']);
    expect(receiver.at('/redirect')).toHaveLength(1);
  });
});
