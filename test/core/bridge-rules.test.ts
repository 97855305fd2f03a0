import { describe, expect, it } from 'vitest';
import { BridgeAdmin } from '../../functions/core/bridge-admin';
import { Bridges } from '../../functions/core/bridges';
import type { CommonEvent } from '../../functions/core/event';
import { BridgeRuleEngine } from '../../functions/core/bridge-rule-engine';
import { parseBridgeRules, ruleBridgeId, ruleOpens } from '../../functions/core/bridge-rules';
import { CachedBridgeSource } from '../../functions/core/bridge-source';
import type { EventDraft } from '../../functions/core/inbound';
import { createLogger } from '../../functions/core/log';
import { MemoryBridgeStore } from '../../functions/core/memory-bridge-store';
import { memoryMetrics } from '../../functions/infra/emf-metrics';
import { PROVIDERS } from '../../functions/providers';

const FORMATS = PROVIDERS.channelIdFormats();
const REQUEST = 'support-group-65f1c0ffee0000000000abcd-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b';

const RULE = {
  id: 'ps-support',
  match: {
    provider: 'pingstreams',
    channel: 'support-group-.*',
    meta: { departmentId: 'dep-1' },
  },
  bridge: { channels: [{ provider: 'gitple', channel: 'room-7', direction: 'out' }] },
  close: { types: ['chat.channel.frozen'] },
};

function draft(type: EventDraft['type'], meta?: Record<string, unknown>): EventDraft {
  return {
    type,
    channel: { id: REQUEST },
    occurredAt: 0,
    identity: ['m1'],
    ...(meta && { message: { id: 'm1', text: 'hi', attachments: [], meta } }),
  };
}

describe('bridge rules in the bridges file', () => {
  it('are validated with errors naming the rule and the field', () => {
    const parse = (rule: unknown) => () => parseBridgeRules({ rules: [rule] }, FORMATS);
    expect(parse({ ...RULE, match: { ...RULE.match, channel: '(' } })).toThrow(
      'bridges.json: rule "ps-support": rules.0.match.channel: not a valid regular expression',
    );
    expect(
      parse({ ...RULE, bridge: { channels: [{ provider: 'gitple', channel: 'room-7' }] } }),
    ).toThrow('rules.0.bridge.channels.0.direction: a fixed channel is shared by every bridge');
    expect(parse({ ...RULE, match: { ...RULE.match, provider: 'nochat' } })).toThrow(
      'rules.0.match.provider: unknown provider "nochat"',
    );
    expect(parse({ ...RULE, id: 'x'.repeat(48) })).toThrow('rule id: 1-47 letters');
    expect(() => parseBridgeRules({ rules: [RULE, RULE] }, FORMATS)).toThrow('duplicate rule id');
    expect(parseBridgeRules({ bridges: [] }, FORMATS)).toEqual([]);
  });

  it('match by provider, whole channel pattern, event type and provider metadata', () => {
    const [rule] = parseBridgeRules({ rules: [RULE] }, FORMATS);
    expect(
      ruleOpens(rule!, 'pingstreams', draft('chat.message.created', { departmentId: 'dep-1' })),
    ).toBe(true);
    expect(
      ruleOpens(rule!, 'pingstreams', draft('chat.message.created', { departmentId: 'x' })),
    ).toBe(false);
    expect(ruleOpens(rule!, 'pingstreams', draft('chat.message.created'))).toBe(false);
    expect(
      ruleOpens(rule!, 'gitple', draft('chat.message.created', { departmentId: 'dep-1' })),
    ).toBe(false);
    expect(
      ruleOpens(rule!, 'pingstreams', draft('chat.member.joined', { departmentId: 'dep-1' })),
    ).toBe(false);
  });

  it('derive the bridge id from the rule and the channel: `<rule>-<16 hex>`', () => {
    const id = ruleBridgeId('ps-support', 'pingstreams', REQUEST);
    expect(id).toMatch(/^ps-support-[0-9a-f]{16}$/);
    expect(ruleBridgeId('ps-support', 'pingstreams', REQUEST)).toBe(id);
    expect(ruleBridgeId('ps-support', 'pingstreams', `${REQUEST}0`)).not.toBe(id);
  });
});

describe('BridgeRuleEngine', () => {
  function setup() {
    const store = new MemoryBridgeStore();
    const source = new CachedBridgeSource(store);
    const engine = new BridgeRuleEngine(parseBridgeRules({ rules: [RULE] }, FORMATS), {
      store,
      source,
      formats: FORMATS,
      log: createLogger({}, { sink: () => undefined }),
      metrics: memoryMetrics(),
    });
    return { store, source, engine };
  }
  const opening = [draft('chat.message.created', { departmentId: 'dep-1' })];
  const none = new Bridges({ bridges: [] });

  it('opens one bridge for concurrent first events, and each sees it', async () => {
    // Prepare
    const { store, engine } = setup();

    // Act
    const snapshots = await Promise.all(
      Array.from({ length: 10 }, () => engine.open('pingstreams', opening, none)),
    );

    // Assess
    const id = ruleBridgeId('ps-support', 'pingstreams', REQUEST);
    expect(await store.list()).toHaveLength(1);
    for (const snapshot of snapshots) {
      expect(snapshot.forChannel('pingstreams', REQUEST)?.bridge.id).toBe(id);
      expect(snapshot.get(id)?.channels.map((c) => [c.provider, c.direction])).toEqual([
        ['pingstreams', 'inout'],
        ['gitple', 'out'],
      ]);
    }
  });

  it('closes on its close event, and does not reopen a closed bridge', async () => {
    // Prepare
    const { store, source, engine } = setup();
    const opened = await engine.open('pingstreams', opening, none);

    // Act
    await engine.close('pingstreams', [draft('chat.channel.frozen')], opened);
    await source.current();
    const later = await engine.open('pingstreams', opening, await source.current());

    // Assess
    const [record] = await store.list();
    expect(record).toMatchObject({ status: 'closed', origin: 'rule', ruleId: 'ps-support' });
    expect(later.forChannel('pingstreams', REQUEST)).toBeUndefined();
  });

  it('leaves a channel that already has a bridge alone', async () => {
    // Prepare
    const { store, engine } = setup();
    const existing = new Bridges({
      bridges: [
        {
          id: 'static',
          channels: [
            { provider: 'pingstreams', channel: REQUEST, direction: 'inout', mode: 'message' },
          ],
          senderFormat: '{text}',
          relay: ['chat.message.created'],
        },
      ],
    });

    // Act
    const snapshot = await engine.open('pingstreams', opening, existing);
    await engine.close('pingstreams', [draft('chat.channel.frozen')], snapshot);

    // Assess
    expect(snapshot).toBe(existing);
    expect(await store.list()).toEqual([]);
  });

  it('claims the channel it reads: an operator bridge the snapshot lacks keeps it, and the events go to that bridge', async () => {
    // Prepare: an operator bridged the request a moment ago; this snapshot is older.
    const { store, source, engine } = setup();
    const admin = new BridgeAdmin({ store, source, formats: FORMATS });
    await admin.put(
      'desk',
      { channels: [{ provider: 'pingstreams', channel: REQUEST }] },
      undefined,
    );

    // Act
    const snapshot = await engine.open('pingstreams', opening, none);

    // Assess
    expect((await store.list()).map((r) => r.bridge.id)).toEqual(['desk']);
    expect(snapshot.forChannel('pingstreams', REQUEST)?.bridge.id).toBe('desk');
  });

  it('a rule and an operator racing for one channel: exactly one bridge reads it', async () => {
    // Prepare
    const { store, source, engine } = setup();
    const admin = new BridgeAdmin({ store, source, formats: FORMATS });

    // Act
    const [, operator] = await Promise.allSettled([
      engine.open('pingstreams', opening, none),
      admin.put('desk', { channels: [{ provider: 'pingstreams', channel: REQUEST }] }, undefined),
    ]);

    // Assess
    const open = (await store.list()).filter((r) => r.status === 'open');
    expect(open).toHaveLength(1);
    const claim = await store.readClaim({ provider: 'pingstreams', channel: REQUEST });
    expect(claim?.bridgeId).toBe(open[0]!.bridge.id);
    if (operator.status === 'rejected') expect(operator.reason.status).toBe(409);
  });

  it('frees the channel when it closes the bridge', async () => {
    const { store, engine } = setup();
    const opened = await engine.open('pingstreams', opening, none);

    await engine.close('pingstreams', [draft('chat.channel.frozen')], opened);

    expect(await store.readClaim({ provider: 'pingstreams', channel: REQUEST })).toBeUndefined();
  });
});

describe('portal rules: a channel of its own per bridge, created at the target', () => {
  const CREATION = PROVIDERS.channelCreation();
  const PORTAL = {
    id: 'ps-portal',
    match: { provider: 'pingstreams', channel: 'support-group-.*' },
    bridge: {
      channels: [
        {
          provider: 'gitple',
          create: { name: '{sender} — {channel}', members: ['agent-1', 'agent-2'] },
          direction: 'inout',
        },
        { provider: 'gitple', channel: 'room-7', direction: 'out' },
      ],
    },
    close: { types: ['chat.channel.frozen'] },
  };
  const none = new Bridges({ bridges: [] });
  const withChannel = (channel: Record<string, unknown>) => ({
    ...PORTAL,
    bridge: { channels: [channel] },
  });
  const parse = (rule: unknown) => () =>
    parseBridgeRules({ rules: [rule] }, FORMATS, 'bridges.json', CREATION);

  it('are validated with errors naming the rule and the field', () => {
    expect(parse(withChannel({ provider: 'gitple', direction: 'inout' }))).toThrow(
      'rule "ps-portal": rules.0.bridge.channels.0: give either "channel" (a fixed channel) or "create"',
    );
    expect(
      parse(withChannel({ provider: 'gitple', channel: 'room-1', create: {}, direction: 'out' })),
    ).toThrow('rules.0.bridge.channels.0: give either');
    expect(parse(withChannel({ provider: 'ivs', create: {}, direction: 'inout' }))).toThrow(
      /rules\.0\.bridge\.channels\.0\.create: ivs cannot create channels: IVS assigns/,
    );
    expect(parse(withChannel({ provider: 'gitple', create: {}, direction: 'in' }))).toThrow(
      'rules.0.bridge.channels.0.direction: a created channel is written to',
    );
    expect(
      parse(withChannel({ provider: 'gitple', create: { name: '{who}' }, direction: 'inout' })),
    ).toThrow(
      'rules.0.bridge.channels.0.create.name: unknown placeholder {who} (known: {sender}, {channel}, {provider}, {text})',
    );
    expect(
      parse(
        withChannel({ provider: 'gitple', create: { members: ['a', 'a'] }, direction: 'inout' }),
      ),
    ).toThrow('rules.0.bridge.channels.0.create.members: a member is listed twice');
    const many = Array.from({ length: 101 }, (_, i) => `agent-${i}`);
    expect(
      parse(withChannel({ provider: 'gitple', create: { members: many }, direction: 'inout' })),
    ).toThrow('create.members: at most 100 members for gitple (101 given)');
    expect(
      parse(
        withChannel({ provider: 'pingstreams', create: { members: ['a'] }, direction: 'inout' }),
      ),
    ).toThrow('create.members: pingstreams takes no members when it creates a channel');
    // Without the registry's creation catalog nothing can create.
    expect(() => parseBridgeRules({ rules: [PORTAL] }, FORMATS)).toThrow(
      'gitple cannot create channels',
    );
  });

  it('default to inout with the name "{sender} — {channel}" and no members', () => {
    const [rule] = parse(withChannel({ provider: 'gitple', create: {} }))();
    expect(rule!.bridge.channels[0]).toMatchObject({
      direction: 'inout',
      create: { name: '{sender} — {channel}', members: [] },
    });
  });

  function portalSetup(store = new MemoryBridgeStore()) {
    const source = new CachedBridgeSource(store);
    const metrics = memoryMetrics();
    const engine = new BridgeRuleEngine(parse(PORTAL)(), {
      store,
      source,
      formats: FORMATS,
      creation: CREATION,
      settings: async () => ({}),
      log: createLogger({}, { sink: () => undefined }),
      metrics,
    });
    return { store, source, engine, metrics };
  }
  const first = [draft('chat.message.created', {})];

  it('open the event’s channel and a created channel named by the provider, in one write however many race', async () => {
    // Prepare
    const { store, engine } = portalSetup();
    const id = ruleBridgeId('ps-portal', 'pingstreams', REQUEST);

    // Act
    const snapshots = await Promise.all(
      Array.from({ length: 10 }, () => engine.open('pingstreams', first, none)),
    );

    // Assess
    expect(await store.list()).toHaveLength(1);
    for (const snapshot of snapshots) {
      expect(snapshot.get(id)?.channels).toEqual([
        { provider: 'pingstreams', channel: REQUEST, direction: 'inout', mode: 'message' },
        {
          provider: 'gitple',
          channel: id,
          direction: 'inout',
          mode: 'message',
          create: { name: '{sender} — {channel}', members: ['agent-1', 'agent-2'] },
        },
        { provider: 'gitple', channel: 'room-7', direction: 'out', mode: 'message' },
      ]);
      // The created channel is read: its replies belong to this bridge from the start.
      expect(snapshot.forChannel('gitple', id)?.bridge.id).toBe(id);
    }
    // Both channels it reads are claimed for it, the created one too; the shared room is not.
    expect(await store.readClaim({ provider: 'pingstreams', channel: REQUEST })).toMatchObject({
      bridgeId: id,
    });
    expect(await store.readClaim({ provider: 'gitple', channel: id })).toMatchObject({
      bridgeId: id,
    });
    expect(await store.readClaim({ provider: 'gitple', channel: 'room-7' })).toBeUndefined();
  });

  it('open nothing, counted, while the provider cannot name the channel to create; the next event once it can opens the whole bridge', async () => {
    // Prepare: Pingstreams names a request from its project id, missing at first.
    const store = new MemoryBridgeStore();
    const metrics = memoryMetrics();
    let settings: Record<string, string> = {};
    const engine = new BridgeRuleEngine(
      parse(withChannel({ provider: 'pingstreams', create: {} }))().map((rule) => ({
        ...rule,
        match: { ...rule.match, provider: 'gitple', channel: 'room-.*' },
      })),
      {
        store,
        source: new CachedBridgeSource(store),
        formats: FORMATS,
        creation: CREATION,
        settings: async () => settings,
        log: createLogger({}, { sink: () => undefined }),
        metrics,
      },
    );
    const event = [{ ...first[0]!, channel: { id: 'room-42' } }];

    // Act
    const before = await engine.open('gitple', event, none);
    const stored = await store.list();
    const claim = await store.readClaim({ provider: 'gitple', channel: 'room-42' });
    settings = { PINGSTREAMS_PROJECT_ID: '65f1c0ffee0000000000abcd' };
    const after = await engine.open('gitple', event, none);

    // Assess
    expect(before.forChannel('gitple', 'room-42')).toBeUndefined();
    expect(stored).toEqual([]);
    expect(claim).toBeUndefined();
    expect(metrics.counts.get('PortalBridgesNotOpened|rule=ps-portal')).toBe(1);
    const opened = after.forChannel('gitple', 'room-42')?.bridge;
    expect(opened?.channels.map((c) => c.provider)).toEqual(['gitple', 'pingstreams']);
    expect(opened?.channels[1]?.channel).toMatch(
      /^support-group-65f1c0ffee0000000000abcd-[0-9a-f]{32}$/,
    );
  });

  it('look a fresh channel of a portal provider up against the table before storing it unbridged', async () => {
    // Prepare: another container opened the portal after this one loaded its snapshot.
    const { source, engine, store } = portalSetup();
    const stale = await source.current();
    await portalSetup(store).engine.open('pingstreams', first, none);
    const id = ruleBridgeId('ps-portal', 'pingstreams', REQUEST);
    const reply = { ...draft('chat.message.created', {}), channel: { id } };

    // Act
    const snapshot = await engine.open('gitple', [reply], stale);

    // Assess
    expect(stale.forChannel('gitple', id)).toBeUndefined();
    expect(snapshot.forChannel('gitple', id)?.bridge.id).toBe(id);
  });

  it('tell the relay which stored event ends a conversation: the one its rule closes on', async () => {
    // Prepare
    const { engine } = portalSetup();
    const id = ruleBridgeId('ps-portal', 'pingstreams', REQUEST);
    const event = (type: string, subject = id) =>
      ({
        type,
        subject,
        data: { provider: 'pingstreams', channel: { id: REQUEST } },
      }) as unknown as CommonEvent;

    // Act / Assess
    expect(engine.closes(event('chat.channel.frozen'))).toBe(true);
    expect(engine.closes(event('chat.channel.updated'))).toBe(false);
    expect(engine.closes(event('chat.channel.frozen', 'support'))).toBe(false);
  });
});
