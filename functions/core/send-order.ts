import { sleep as realSleep } from './concurrency';
import type { Logger } from './log';

/**
 * A `send` frame's place in its connection's order: when the gateway received it
 * (`requestContext.requestTimeEpoch`, ms) and its request id, which breaks ties within one
 * millisecond the same way for every invocation that compares the two.
 */
export interface SendTicket {
  connectionId: string;
  receivedAt: number;
  requestId: string;
}

/** Sends of one connection that are in progress, in gateway order (the ordering gate). */
export interface SendOrderStore {
  register(ticket: SendTicket): Promise<void>;
  /** How many sends of the connection that came before `ticket` are registered and not released. */
  earlierInProgress(ticket: SendTicket, registeredSince: number): Promise<number>;
  release(ticket: SendTicket): Promise<void>;
  /** The highest client `seq` of the connection that is handled (0 before the first). */
  sequencedThrough(connectionId: string): Promise<number>;
  /** Record `seq` as handled; a lower number never moves it back. */
  markSequenced(connectionId: string, seq: number): Promise<void>;
}

export interface SendOrderOptions {
  /**
   * How long after its own gateway time a send waits before looking for earlier ones: the
   * invocation of an earlier frame may start a little after ours (API Gateway invokes once
   * per frame, concurrently), and it must have registered by then to be waited for. The most
   * it waits: a `LearnedGrace` may shorten it.
   */
  graceMs: number;
  pollMs: number;
  /** The longest a send waits for earlier ones; past it, it stores anyway (never stuck). */
  maxWaitMs: number;
  /** A registration older than this belongs to an invocation that died: not waited for. */
  abandonAfterMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The gate's settings with their clock and sleep, real unless a test gave its own. */
function clockOf(deps: { options?: SendOrderOptions }) {
  const options = deps.options ?? DEFAULT_SEND_ORDER;
  return { options, now: options.now ?? Date.now, sleep: options.sleep ?? realSleep };
}

/**
 * The grace an unnumbered send waits, learned in this container from how late sends register
 * (gateway time -> registration stored): one and a half times the slowest of the last
 * `window`, at least `floorMs`, at most the configured `graceMs`. A later frame checks for
 * earlier ones once the grace after its own gateway time is over, so an earlier frame that
 * registers as late as the slowest seen is waited for, with half again as margin. The fixed
 * 50 ms covers API Gateway's concurrent invocations (tens of ms apart); the local gateway
 * hands a connection's frames on in order and they register within a few ms (4-18 ms on a
 * busy two-core machine), so a raw client there no longer pays 50 ms per send for nothing.
 * Each send counts its own lag before it decides, so a container's first send judges by
 * itself (on a cold start, a lag of the whole init: the cap).
 */
export class LearnedGrace {
  private readonly lags: number[] = [];
  private next = 0;

  constructor(private readonly settings = LEARNED_GRACE) {}

  /** One send's registration lag, ms after the gateway received it (clock skew: never < 0). */
  observe(lagMs: number): void {
    const lag = Math.max(0, lagMs);
    if (this.lags.length < this.settings.window) this.lags.push(lag);
    else this.lags[this.next] = lag;
    this.next = (this.next + 1) % this.settings.window;
  }

  graceMs(capMs: number): number {
    if (this.lags.length === 0) return capMs;
    const learned = this.settings.factor * Math.max(...this.lags);
    return Math.min(capMs, Math.max(this.settings.floorMs, learned));
  }
}

export const LEARNED_GRACE = { window: 32, factor: 1.5, floorMs: 5 };

export const DEFAULT_SEND_ORDER: SendOrderOptions = {
  graceMs: 50,
  pollMs: 20,
  maxWaitMs: 2000,
  abandonAfterMs: 30_000,
};

/** The order tickets are stored in: gateway time, then request id. Used as a sort key. */
export function ticketKey(ticket: Pick<SendTicket, 'receivedAt' | 'requestId'>): string {
  return `${String(ticket.receivedAt).padStart(15, '0')}#${ticket.requestId}`;
}

/**
 * Run `store` (storing one send) only after every earlier send of the same connection has
 * been stored, so several quick frames are stored, and therefore relayed (the events stream
 * keeps one channel's write order), in the order the gateway received them.
 *
 * Why a gate in the database: on AWS each frame is its own concurrent Lambda invocation, so
 * nothing in memory sees the other frames, and the stored order is whichever write lands
 * first. Each send registers under its connection, waits (bounded) until no earlier
 * registered send is still in progress, stores, then releases. Cost per send: three more
 * requests on the state table (a PutItem, one or more consistent Queries, a DeleteItem) and
 * the wait: until the grace after the gateway received the frame (`graceMs`, or less when
 * `grace` has learned that sends here register sooner), plus the time earlier sends take to
 * store.
 */
export async function inSendOrder<T>(
  ticket: SendTicket,
  gate: SendOrderStore,
  store: () => Promise<T>,
  deps: {
    log: Logger;
    options?: SendOrderOptions;
    grace?: LearnedGrace;
    /** The registration registerEarly started for this ticket, if it did. */
    registered?: Promise<number>;
  },
): Promise<T> {
  const { options, now, sleep } = clockOf(deps);
  const started = now();
  const registeredAt = await (deps.registered ?? registerEarly(ticket, gate, deps));
  try {
    deps.grace?.observe(registeredAt - ticket.receivedAt);
    const graceMs = deps.grace?.graceMs(options.graceMs) ?? options.graceMs;
    const settle = ticket.receivedAt + graceMs - now();
    if (settle > 0) await sleep(Math.min(settle, graceMs));
    const deadline = started + options.maxWaitMs;
    while ((await gate.earlierInProgress(ticket, now() - options.abandonAfterMs)) > 0) {
      if (now() >= deadline) {
        deps.log.warn('an earlier send of this connection is still in progress; storing anyway', {
          connectionId: ticket.connectionId,
          waitedMs: now() - started,
        });
        break;
      }
      await sleep(options.pollMs);
    }
    return await store();
  } finally {
    await gate.release(ticket).catch((error: unknown) =>
      // Left behind, the registration stops holding up later sends after abandonAfterMs.
      deps.log.warn('send order registration not released', {
        connectionId: ticket.connectionId,
        error,
      }),
    );
  }
}

/**
 * Register a send as soon as its frame arrives, beside the reads its handling waits for: the
 * sooner sends register, the shorter the grace they learn to wait (LearnedGrace). Resolves
 * with the time it landed. Hand it to inSendOrder as `registered`, or release the ticket if
 * the frame is refused before it gets there.
 */
export function registerEarly(
  ticket: SendTicket,
  gate: SendOrderStore,
  deps: { options?: SendOrderOptions } = {},
): Promise<number> {
  const { now } = clockOf(deps);
  const landed = gate.register(ticket).then(() => now());
  landed.catch(() => undefined); // awaited by inSendOrder, or by the release
  return landed;
}

/**
 * Handle a `send` frame that carries the client's own `seq` (1, 2, 3... per connection; one
 * WebSocket delivers them in that order) only after the connection's frame `seq - 1` is
 * handled. The client says outright what came before, so nothing waits for a frame that may
 * not exist: the first frame, and any frame whose predecessor is done, go at once (no grace).
 * A missing predecessor is waited for at most `maxWaitMs`. Whatever `work` does, even fail,
 * the frame counts as handled afterwards, so one bad frame never holds up the next.
 */
export async function inClientSequence<T>(
  connectionId: string,
  seq: number,
  gate: SendOrderStore,
  work: () => Promise<T>,
  deps: { log: Logger; options?: SendOrderOptions },
): Promise<T> {
  const { options, now, sleep } = clockOf(deps);
  const deadline = now() + options.maxWaitMs;
  // Soon at first (the predecessor is usually storing already), then less often, so a frame
  // whose predecessor never comes costs a couple of dozen reads, not hundreds.
  for (let pause = 5; seq > 1 && (await gate.sequencedThrough(connectionId)) < seq - 1;) {
    if (now() >= deadline) {
      deps.log.warn('the frame before this send never came; handling it anyway', {
        connectionId,
        seq,
      });
      break;
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 100);
  }
  try {
    return await work();
  } finally {
    await gate.markSequenced(connectionId, seq).catch((error: unknown) =>
      deps.log.warn('send sequence not recorded; the next send waits out its limit', {
        connectionId,
        error,
      }),
    );
  }
}
