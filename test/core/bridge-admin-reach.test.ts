import { describe, expect, it } from 'vitest';
import { BridgeAdmin } from '../../functions/core/bridge-admin';
import { CachedBridgeSource } from '../../functions/core/bridge-source';
import { ValidationError } from '../../functions/core/errors';
import { MemoryBridgeStore } from '../../functions/core/memory-bridge-store';
import { PROVIDERS } from '../../functions/providers';
import {
  channelReachOf,
  ivsRoomEntryProblem,
  ivsRoomReachable,
  parseIvsRoomEntries,
} from '../../functions/definitions/ivs-rooms';

const FILE_ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';
const OTHER_ACCOUNT_ROOM = 'arn:aws:ivschat:us-west-2:999999999999:room/Elsewhere1';
const SAME_ACCOUNT_ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/NewRoom42';

function admin(reachableRooms: string | undefined) {
  const store = new MemoryBridgeStore();
  return new BridgeAdmin({
    store,
    source: new CachedBridgeSource(store),
    formats: PROVIDERS.channelIdFormats(),
    reach: channelReachOf(
      reachableRooms === undefined ? {} : { IVS_REACHABLE_ROOMS: reachableRooms },
    ),
  });
}

const bridgeWith = (room: string) => ({
  channels: [
    { provider: 'gitple', channel: 'room-9' },
    { provider: 'ivs', channel: room },
  ],
});

describe('the operator API refuses IVS rooms the deployed grants do not reach', () => {
  it('refuses a room outside IVS_REACHABLE_ROOMS with a 400 naming the channel and the fix', async () => {
    // Prepare
    const api = admin(`${FILE_ROOM},arn:aws:ivschat:us-west-2:123456789012:room/*`);

    // Act
    const refused = await api
      .put('desk', bridgeWith(OTHER_ACCOUNT_ROOM), undefined)
      .catch((e) => e);

    // Assess
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused.status).toBe(400);
    expect(refused.field).toBe('channels.1.channel');
    expect(refused.message).toContain(
      `channels.1.channel: the deployed IAM grants reach no IVS room ${OTHER_ACCOUNT_ROOM}`,
    );
    expect(refused.message).toContain('ivsRooms (IVS_ROOMS at synth)');
    expect(await api.list()).toEqual([]);
  });

  it('accepts any room of an account and region the deployer allowed with room/*', async () => {
    // Prepare
    const api = admin(`${FILE_ROOM},arn:aws:ivschat:us-west-2:123456789012:room/*`);

    // Act
    const { created } = await api.put('desk', bridgeWith(SAME_ACCOUNT_ROOM), undefined);

    // Assess
    expect(created).toBe(true);
  });

  it('allows only the listed rooms when the grants name rooms one by one (the default)', async () => {
    const api = admin(FILE_ROOM);

    await expect(api.put('desk', bridgeWith(SAME_ACCOUNT_ROOM), undefined)).rejects.toThrow(
      /reach no IVS room/,
    );
    // A bridge may not take the file's room while it is read by another bridge; alone it may.
    await expect(api.put('desk', bridgeWith(FILE_ROOM), undefined)).resolves.toMatchObject({
      created: true,
    });
  });

  it('limits nothing where there is no IAM (the local runtime leaves the variable unset)', async () => {
    const api = admin(undefined);

    await expect(api.put('desk', bridgeWith(OTHER_ACCOUNT_ROOM), undefined)).resolves.toMatchObject(
      {
        created: true,
      },
    );
  });
});

describe('IVS room entries', () => {
  it('takes room ARNs and account-and-region room/*, nothing wider', () => {
    expect(ivsRoomEntryProblem(FILE_ROOM)).toBeUndefined();
    expect(ivsRoomEntryProblem('arn:aws:ivschat:eu-central-1:123456789012:room/*')).toBeUndefined();
    for (const wide of [
      'arn:aws:ivschat:*:123456789012:room/*',
      'arn:aws:ivschat:us-west-2:*:room/*',
      'arn:aws:ivschat:us-west-2:123456789012:*',
      'arn:aws:ivschat:us-west-2:123456789012:room/abc*',
      '*',
    ]) {
      expect(ivsRoomEntryProblem(wide)).toMatch(/is neither an IVS room ARN/);
    }
  });

  it('matches a room by its ARN or by the room/* of its own account and region only', () => {
    const entries = parseIvsRoomEntries(
      ` ${FILE_ROOM}, ,arn:aws:ivschat:us-west-2:123456789012:room/* `,
    );

    expect(entries).toHaveLength(2);
    expect(ivsRoomReachable(SAME_ACCOUNT_ROOM, entries)).toBe(true);
    expect(ivsRoomReachable(OTHER_ACCOUNT_ROOM, entries)).toBe(false);
    expect(ivsRoomReachable('arn:aws:ivschat:us-east-1:123456789012:room/NewRoom42', entries)).toBe(
      false,
    );
  });
});
