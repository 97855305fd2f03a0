import type { Bridges } from '../functions/core/bridges';
import type { IvsRelayRooms } from './function-grants';

/**
 * Every IVS room the stack's grants name, from two sources:
 * - the rooms of the bridges file, each by its ARN and by how the relay writes to it (its
 *   channel `mode`); an `in`-only room is never written;
 * - `ivsRooms` (the construct prop, IVS_ROOMS at synth): what the deployer allows bridges made
 *   at run time (operator API, rules) to use, as room ARNs or `room/*` for every room of an
 *   account and region. A run-time bridge may write to such a room either way, so these get
 *   every relay grant.
 *
 * Without `ivsRooms` only the file's rooms are granted: least privilege by default.
 */
export interface IvsRoomGrants {
  /** Users' chat tokens: every room. */
  tokens: string[];
  relay: IvsRelayRooms;
  /** Invoke permissions of the review handler, one per entry (a `room/*` one as SourceArn). */
  reviewSources: string[];
  /** What the operator API checks a bridge against (IVS_REACHABLE_ROOMS). */
  reachable: string[];
}

export function ivsRoomGrants(bridges: Bridges, ivsRooms: readonly string[] = []): IvsRoomGrants {
  const fileRooms = bridges.channelsOf('ivs');
  const outbound = bridges
    .all()
    .flatMap((bridge) => bridge.channels)
    .filter((channel) => channel.provider === 'ivs' && channel.direction !== 'in');
  const written = (mode: 'message' | 'event') =>
    unique([...outbound.filter((c) => c.mode === mode).map((c) => c.channel), ...ivsRooms]);
  const all = unique([...fileRooms, ...ivsRooms]);
  return {
    tokens: all,
    relay: { message: written('message'), event: written('event') },
    reviewSources: all,
    reachable: all,
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
