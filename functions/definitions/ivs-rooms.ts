/**
 * Which IVS rooms a deployment can reach: IAM, not the bridge, decides whether the relay may
 * write to a room, mint a token for it or take its review calls. The stack's grants name each
 * room of the bridges file plus what the deployer allows for bridges made at run time (room
 * ARNs, or `room/*` for every room of one account and region); the operator API checks a new
 * bridge against the same list (IVS_REACHABLE_ROOMS), so a room the grants miss is refused at
 * once instead of failing at delivery time.
 */
const IVS_PROVIDER = 'ivs';

const ROOM_OR_ALL_ROOMS =
  /^arn:aws:ivschat:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:room\/(?:[a-zA-Z0-9-]+|\*)$/;

/** Why an entry is not a room ARN or `arn:aws:ivschat:<region>:<account>:room/*`, if it is not. */
export function ivsRoomEntryProblem(entry: string): string | undefined {
  if (ROOM_OR_ALL_ROOMS.test(entry)) return undefined;
  return `"${entry}" is neither an IVS room ARN nor arn:aws:ivschat:<region>:<account>:room/* (every room of that account and region)`;
}

/** A comma-separated list of entries, blanks dropped. */
export function parseIvsRoomEntries(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Whether a room ARN is one of the entries, or in the account and region of a `room/*` one. */
export function ivsRoomReachable(room: string, entries: readonly string[]): boolean {
  return entries.some((entry) =>
    entry.endsWith('/*') ? room.startsWith(entry.slice(0, -1)) : entry === room,
  );
}

/**
 * The check the operator API applies to a bridge's channels, from IVS_REACHABLE_ROOMS (set by
 * the stack): IVS is the one provider whose reach IAM decides. Unset, as in the local runtime
 * where there is no IAM, every channel is reachable.
 */
export function channelReachOf(
  env: NodeJS.ProcessEnv,
): (provider: string, channel: string) => string | undefined {
  const reachableRooms = env.IVS_REACHABLE_ROOMS;
  if (reachableRooms === undefined) return () => undefined;
  const entries = parseIvsRoomEntries(reachableRooms);
  return (provider, room) =>
    provider !== IVS_PROVIDER || ivsRoomReachable(room, entries)
      ? undefined
      : `the deployed IAM grants reach no IVS room ${room}: add it (or its account's arn:aws:ivschat:<region>:<account>:room/*) to the stack's ivsRooms (IVS_ROOMS at synth) and deploy`;
}
