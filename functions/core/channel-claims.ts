import { randomUUID } from 'node:crypto';
import type { Bridge } from './bridges';
import type { BridgeRecord, BridgeStore, ChannelClaim, ClaimedChannel } from './bridge-store';
import { ServiceUnavailableError } from './errors';
import type { Logger } from './log';
import { channelKey } from './providers';

/**
 * How long a claim's writers are presumed alive (ms): well over any writer's budget plus the
 * clock difference between two containers, so only a writer that died is ever taken over.
 */
export const CLAIM_LEASE_MS = 60_000;
/**
 * How long a writer may spend between its first claim and its bridge write (ms): past it, it
 * gives up rather than write a bridge whose claims may have been taken over as stale.
 */
export const CLAIM_WRITE_BUDGET_MS = 10_000;

export interface ChannelTaken extends ClaimedChannel {
  /** The claimed channel's index in the bridge's `channels`. */
  index: number;
  /** The bridge that holds it. */
  owner: string;
}

export type ClaimedWrite =
  | { written: BridgeRecord }
  /** Another bridge holds a channel this one reads: nothing was written. */
  | { taken: ChannelTaken }
  /** The bridge write itself was refused (its own condition): nothing was written. */
  | { refused: true };

export interface ChannelClaimsOptions {
  now?: () => Date;
  log?: Logger;
  leaseMs?: number;
  budgetMs?: number;
}

/** The channels a bridge reads (`in`, `inout`), once each, in one global order. */
export function readChannels(bridge: Bridge): (ClaimedChannel & { index: number })[] {
  const seen = new Map<string, ClaimedChannel & { index: number }>();
  bridge.channels.forEach((c, index) => {
    const key = channelKey(c.provider, c.channel);
    if (c.direction !== 'out' && !seen.has(key)) {
      seen.set(key, { provider: c.provider, channel: c.channel, index });
    }
  });
  // One order for every writer: of two writers wanting overlapping channels, the one that
  // takes the first channel they share goes on; they never each hold one the other needs.
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}

/** Whether this record is an open bridge that reads the channel. */
export function readsChannel(record: BridgeRecord | undefined, channel: ClaimedChannel): boolean {
  return (
    record?.status === 'open' &&
    record.bridge.channels.some(
      (c) =>
        c.direction !== 'out' && c.provider === channel.provider && c.channel === channel.channel,
    )
  );
}

/**
 * Every channel a bridge reads belongs to that one bridge, decided by one conditional write per
 * channel in the bridges table (no transactions: the embedded DynamoDB has none, and the
 * handlers use one code path locally and on AWS). Operators (`BridgeAdmin`) and rules
 * (`BridgeRuleEngine`) write bridges through `write`, so neither two operators nor a rule and
 * an operator can both bridge one channel; out-only channels are not claimed (shared).
 *
 * A claim is live while its bridge is open and reads the channel, or while a writer that
 * joined it less than the lease ago is in flight. Anything else is stale (a writer crashed, a
 * bridge dropped the channel or was closed and the release was lost) and the next claimant
 * takes it over, conditional on the claim being exactly as it read it (`seq`).
 */
export class ChannelClaims {
  private readonly now: () => Date;
  private readonly leaseMs: number;
  private readonly budgetMs: number;

  constructor(
    private readonly store: BridgeStore,
    private readonly options: ChannelClaimsOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.leaseMs = options.leaseMs ?? CLAIM_LEASE_MS;
    this.budgetMs = options.budgetMs ?? CLAIM_WRITE_BUDGET_MS;
  }

  /**
   * Claim every channel `bridge` reads, then run `write` (the bridge's own conditional write,
   * answering the record written or undefined when refused); afterwards free what the bridge
   * does not read any more: channels `previous` read and `bridge` dropped, or every channel
   * just claimed when the write was refused.
   */
  async write(
    bridge: Bridge,
    previous: Bridge | undefined,
    write: () => Promise<BridgeRecord | undefined>,
  ): Promise<ClaimedWrite> {
    const writer = randomUUID();
    const started = this.now().getTime();
    const joined: ClaimedChannel[] = [];
    const abandon = async () => {
      await this.leaveAll(joined, bridge.id, writer);
      await this.free(joined, bridge.id);
    };
    for (const channel of readChannels(bridge)) {
      let owner: string | undefined;
      try {
        owner = await this.take(channel, bridge.id, writer);
      } catch (error) {
        await abandon();
        throw error;
      }
      if (owner !== undefined) {
        await abandon();
        return { taken: { ...channel, owner } };
      }
      joined.push(channel);
    }
    if (this.now().getTime() - started > this.budgetMs) {
      await abandon();
      throw new ServiceUnavailableError(
        `bridge "${bridge.id}": claiming its channels took too long to write it safely; nothing changed, try again`,
      );
    }
    let record: BridgeRecord | undefined;
    try {
      record = await write();
    } finally {
      await this.leaveAll(joined, bridge.id, writer);
    }
    if (record === undefined) {
      await this.free(joined, bridge.id);
      return { refused: true };
    }
    const kept = new Set(readChannels(bridge).map((c) => channelKey(c.provider, c.channel)));
    const dropped = previous
      ? readChannels(previous).filter((c) => !kept.has(channelKey(c.provider, c.channel)))
      : [];
    await this.free(dropped, bridge.id);
    return { written: record };
  }

  /** After a bridge was closed or deleted: free the channels its document read. */
  async release(record: BridgeRecord): Promise<void> {
    await this.free(readChannels(record.bridge), record.bridge.id);
  }

  /** Hold one channel for `bridgeId`: undefined when held, else the bridge that holds it. */
  private async take(
    channel: ClaimedChannel,
    bridgeId: string,
    writer: string,
  ): Promise<string | undefined> {
    // The lease runs from the latest join: a writer joins and writes within its budget of
    // starting, far inside the lease.
    const at = this.now().getTime();
    // Each round ends because the claim changed between two of our requests (released, taken
    // over, rewritten): three such rounds are a channel fought over, and we step back.
    for (let round = 0; round < 3; round += 1) {
      if (await this.store.claim(channel, bridgeId, writer, at)) return undefined;
      const seen = await this.store.readClaim(channel);
      if (seen === undefined || seen.bridgeId === bridgeId) continue;
      if (await this.live(seen)) return seen.bridgeId;
      if (await this.store.takeOver(channel, seen.seq, bridgeId, writer, at)) {
        this.options.log?.warn('took over a stale channel claim', {
          channel: channelKey(channel.provider, channel.channel),
          from: seen.bridgeId,
          to: bridgeId,
        });
        return undefined;
      }
    }
    throw new ServiceUnavailableError(
      `${channelKey(channel.provider, channel.channel)} is being claimed by several writers at once; nothing changed, try again`,
    );
  }

  private async live(claim: ChannelClaim): Promise<boolean> {
    if (this.writing(claim)) return true;
    return readsChannel(await this.store.get(claim.bridgeId), claim);
  }

  /** Whether a writer that may still be alive relies on the claim. */
  private writing(claim: ChannelClaim): boolean {
    return claim.writers.length > 0 && this.now().getTime() - claim.claimedAt < this.leaseMs;
  }

  private async leaveAll(channels: readonly ClaimedChannel[], bridgeId: string, writer: string) {
    for (const channel of channels) {
      if ((await this.store.leave(channel, writer)) === undefined) {
        // Only a takeover removes a writer: ours outlived the lease, which the budget prevents.
        this.options.log?.error('a claim was taken over while its write was in flight', {
          channel: channelKey(channel.provider, channel.channel),
          bridge: bridgeId,
        });
      }
    }
  }

  /**
   * Free this bridge's claims on `channels` that nothing relies on: no writer in flight, and
   * the bridge as it is now (read after the claims) does not read the channel. Each release is
   * conditional on the claim's `seq` as read, so a writer joining in between keeps it.
   */
  private async free(channels: readonly ClaimedChannel[], bridgeId: string): Promise<void> {
    if (channels.length === 0) return;
    const claims: ChannelClaim[] = [];
    for (const channel of channels) {
      const claim = await this.store.readClaim(channel);
      if (claim?.bridgeId === bridgeId && !this.writing(claim)) claims.push(claim);
    }
    if (claims.length === 0) return;
    const current = await this.store.get(bridgeId);
    for (const claim of claims) {
      if (!readsChannel(current, claim)) await this.store.release(claim, claim.seq, this.now());
    }
  }
}
