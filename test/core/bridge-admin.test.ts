import { describe, expect, it } from 'vitest';
import { BridgeAdmin } from '../../functions/core/bridge-admin';
import { CachedBridgeSource } from '../../functions/core/bridge-source';
import {
  ConflictError,
  NotFoundError,
  ValidationError,
  PreconditionFailedError,
  PreconditionRequiredError,
} from '../../functions/core/errors';
import { MemoryBridgeStore } from '../../functions/core/memory-bridge-store';
import { PROVIDERS } from '../../functions/providers';
import { parseBridges } from '../../functions/runtime/bridges-file';

function setup() {
  const store = new MemoryBridgeStore();
  const source = new CachedBridgeSource(store);
  const admin = new BridgeAdmin({
    store,
    source,
    formats: PROVIDERS.channelIdFormats(),
    creation: PROVIDERS.channelCreation(),
  });
  return { store, source, admin };
}

const body = (...rooms: (string | [string, 'in' | 'out' | 'inout'])[]) => ({
  channels: rooms.map((r) =>
    typeof r === 'string'
      ? { provider: 'gitple', channel: r }
      : { provider: 'gitple', channel: r[0], direction: r[1] },
  ),
});

const refusal = (promise: Promise<unknown>) => promise.then(() => undefined).catch((e) => e);

describe('BridgeAdmin: If-Match as RFC 9110 defines it (strong comparison)', () => {
  it('replaces with the current ETag, with * (any version), or with a list that holds it', async () => {
    const { admin } = setup();
    await admin.put('desk', body('room-1'), undefined);

    const exact = await admin.put('desk', body('room-2'), '"1"');
    const any = await admin.put('desk', body('room-3'), '*');
    const list = await admin.put('desk', body('room-4'), '"9", , "3"');

    expect([exact, any, list].map((r) => r.view.version)).toEqual([2, 3, 4]);
    expect(list.created).toBe(false);
  });

  it.each([
    ['a stale version', '"1"', 'is at version 2, not 1: read it again and retry'],
    ['a tag that is no version', '"stale-version-0"', 'not stale-version-0'],
    ['an unquoted value', 'stale-version-0', 'If-Match stale-version-0 is not an entity tag'],
    [
      'an unquoted version',
      '2',
      'If-Match 2 is not an entity tag: send the ETag GET returned, "2"',
    ],
    ['a weak tag of the current version', 'W/"2"', 'is a weak tag and If-Match compares strongly'],
    ['another spelling of the version', '"02"', 'not 02'],
    ['an unterminated tag', '"2', 'is not an entity tag'],
  ])('refuses %s with 412, never 400, and changes nothing', async (_what, header, detail) => {
    // Prepare
    const { admin } = setup();
    await admin.put('desk', body('room-1'), undefined);
    await admin.put('desk', body('room-2'), '"1"');

    // Act
    const put = await refusal(admin.put('desk', body('room-3'), header));
    const del = await refusal(admin.delete('desk', header));

    // Assess
    for (const error of [put, del]) {
      expect(error).toBeInstanceOf(PreconditionFailedError);
      expect(error.status).toBe(412);
      expect(error.message).toContain(detail);
    }
    expect(await admin.get('desk')).toMatchObject({ version: 2, bridge: body('room-2') });
  });

  it('needs If-Match to replace (428), refuses one on a bridge that does not exist (412)', async () => {
    const { admin } = setup();
    await admin.put('desk', body('room-1'), undefined);

    const unconditional = await refusal(admin.put('desk', body('room-2'), undefined));
    const missing = await refusal(admin.put('nope', body('room-3'), '"1"'));
    const anyMissing = await refusal(admin.put('nope', body('room-3'), '*'));

    expect(unconditional).toBeInstanceOf(PreconditionRequiredError);
    expect(missing).toBeInstanceOf(PreconditionFailedError);
    expect(anyMissing).toBeInstanceOf(PreconditionFailedError);
    expect(missing.message).toContain('does not exist; create it without If-Match');
  });

  it('deletes unconditionally without If-Match, answers 404 for a missing bridge whatever the If-Match', async () => {
    const { admin } = setup();
    await admin.put('desk', body('room-1'), undefined);

    await admin.delete('desk', undefined);
    const again = await refusal(admin.delete('desk', '"2"'));
    const garbage = await refusal(admin.delete('never', 'garbage'));

    expect(again).toBeInstanceOf(NotFoundError);
    expect(garbage).toBeInstanceOf(NotFoundError);
  });
});

describe('BridgeAdmin: a channel that is read belongs to one bridge', () => {
  it('of two concurrent PUTs for one channel, one creates and the other gets 409 naming the winner', async () => {
    // Prepare
    const { admin, store } = setup();

    // Act
    const [a, b] = await Promise.allSettled([
      admin.put('desk-a', body('room-1'), undefined),
      admin.put('desk-b', body('room-1'), undefined),
    ]);

    // Assess
    const statuses = [a, b].map((r) => (r.status === 'fulfilled' ? 201 : r.reason.status));
    expect(statuses.sort()).toEqual([201, 409]);
    const lost = [a, b].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    const won = [a, b].find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{
      view: { id: string };
    }>;
    expect(lost.reason).toBeInstanceOf(ConflictError);
    expect(lost.reason.message).toContain(
      `channels.0.channel: channel already belongs to bridge "${won.value.view.id}"`,
    );
    expect((await store.list()).map((r) => r.bridge.id)).toEqual([won.value.view.id]);
  });

  it('frees a channel when a replace drops it or the bridge is deleted, and lets out-only channels be shared', async () => {
    // Prepare
    const { admin } = setup();
    await admin.put('desk-a', body('room-1', 'room-2', ['room-9', 'out']), undefined);

    // Act
    const sharedOut = await admin.put('desk-b', body('room-3', ['room-9', 'out']), undefined);
    const heldStill = await refusal(admin.put('desk-c', body('room-1'), undefined));
    await admin.put('desk-a', body('room-2'), '"1"');
    const dropped = await admin.put('desk-c', body('room-1'), undefined);
    await admin.delete('desk-a', undefined);
    const deleted = await admin.put('desk-d', body('room-2'), undefined);

    // Assess
    expect(sharedOut.created).toBe(true);
    expect(heldStill).toBeInstanceOf(ConflictError);
    expect(dropped.created).toBe(true);
    expect(deleted.created).toBe(true);
  });

  it('refuses a replace that adds a channel held elsewhere, and leaves the bridge as it was', async () => {
    const { admin } = setup();
    await admin.put('desk-a', body('room-1'), undefined);
    await admin.put('desk-b', body('room-2'), undefined);

    const refused = await refusal(admin.put('desk-b', body('room-2', 'room-1'), '"1"'));

    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused.message).toContain(
      'channels.1.channel: channel already belongs to bridge "desk-a"',
    );
    expect(await admin.get('desk-b')).toMatchObject({ version: 1, bridge: body('room-2') });
  });

  it('keeps the channels of a bridge seeded from the file, which holds no claims', async () => {
    const { admin, store } = setup();
    const fileBridge = {
      id: 'support',
      channels: [
        {
          provider: 'gitple',
          channel: 'room-7',
          direction: 'inout' as const,
          mode: 'message' as const,
        },
      ],
      senderFormat: '{text}',
      relay: [],
    };
    await store.seed(fileBridge, 'hash', new Date());

    const refused = await refusal(admin.put('desk', body('room-7'), undefined));

    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused.message).toContain('channel already belongs to bridge "support"');
  });
});

describe('BridgeAdmin: channels a portal creates', () => {
  it('keeps `create` where the provider creates channels, and refuses it where it cannot or with members it does not take', async () => {
    // Prepare
    const { admin } = setup();
    const create = { name: '{sender}', members: ['agent-1'] };
    const pingstreams = 'support-group-65f1c0ffee0000000000abcd-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b';
    const ivs = 'arn:aws:ivschat:eu-west-1:123456789012:room/AbCdEf123456';

    // Act
    const kept = await admin.put(
      'portal',
      { channels: [{ provider: 'gitple', channel: 'portal-1', create }] },
      undefined,
    );
    const onIvs = await refusal(
      admin.put('on-ivs', { channels: [{ provider: 'ivs', channel: ivs, create }] }, undefined),
    );
    const withMembers = await refusal(
      admin.put(
        'ps',
        { channels: [{ provider: 'pingstreams', channel: pingstreams, create }] },
        undefined,
      ),
    );

    // Assess
    expect(kept.view.bridge.channels[0]).toMatchObject({ create });
    expect(onIvs).toBeInstanceOf(ValidationError);
    expect((onIvs as Error).message).toMatch(/channels\.0\.create: ivs cannot create channels/);
    expect(withMembers).toBeInstanceOf(ValidationError);
    expect((withMembers as Error).message).toMatch(
      /channels\.0\.create\.members: pingstreams takes no members/,
    );
    expect((await admin.list()).map((v) => v.id)).toEqual(['portal']);
  });

  it('the bridges file is held to the same: `create` where its provider cannot create stops the deployment', () => {
    const file = {
      bridges: [
        {
          id: 'portal',
          channels: [
            {
              provider: 'tigerconnect',
              channel: 'e9fe5f3a-f7cf-4278-8aca-0b558b5c90ad',
              create: {},
            },
          ],
        },
      ],
    };

    expect(() => parseBridges(file, 'bridges.json')).toThrow(
      /bridges\.json: bridge "portal": bridges\.0\.channels\.0\.create: tigerconnect cannot create channels/,
    );
  });
});
