import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardRequest } from '../../test/support/forward-request';

export type FaultKind = '429' | '503' | 'reset' | 'stall';

export interface FaultProxy {
  url: string;
  /** Faults injected so far, by kind. */
  injected: Record<FaultKind, number>;
  /** Requests whose body contains `marker` fail with 503 while this holds (the poison). */
  poison: { marker: string; active: boolean } | undefined;
  /**
   * Hold the answer to the first request whose body contains `marker`: it is forwarded (never
   * faulted), the provider takes it and answers, and the answer is not passed on until
   * `releaseHold()` resets the connection. `held` resolves once the answer is held: from then
   * on the send is provably in flight (the provider has the message, the sender does not know).
   */
  holdAnswer(marker: string): { held: Promise<void>; isHeld(): boolean };
  /** Disarm a hold that caught nothing; reset the connection of a held answer (its sender died). */
  releaseHold(): void;
  /** While set, no fault is injected. */
  faultsPaused: boolean;
  close(): Promise<void>;
}

const KINDS: FaultKind[] = ['429', '503', 'reset', 'stall'];

/**
 * An HTTP proxy in front of a fake provider that fails a share of requests the ways real
 * providers do: 429 with Retry-After, 503, a reset connection, a stall. Bounded and loopback
 * only. A stall delays, then forwards: the bridge sees a slow provider (and may time out).
 */
export async function startFaultProxy(options: {
  target: string;
  rate: number;
  stallMs: number;
  random: () => number;
}): Promise<FaultProxy> {
  const target = new URL(options.target);
  const injected: Record<FaultKind, number> = { '429': 0, '503': 0, reset: 0, stall: 0 };
  let hold: { marker: string; caught: boolean; held: () => void } | undefined;
  let release: () => void = () => undefined;
  const proxy: FaultProxy = {
    url: '',
    injected,
    poison: undefined,
    holdAnswer: (marker) => {
      const armed = { marker, caught: false, held: (): void => undefined };
      const held = new Promise<void>((resolve) => (armed.held = resolve));
      hold = armed;
      return { held, isHeld: () => armed.caught };
    },
    releaseHold: () => {
      hold = undefined;
      release();
    },
    faultsPaused: false,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = () => forwardRequest(target, req, body, res);
      const armed = hold;
      if (armed && req.method === 'POST' && body.includes(armed.marker)) {
        hold = undefined;
        const released = new Promise<'drop'>((done) => (release = () => done('drop')));
        return forwardRequest(target, req, body, res, () => {
          armed.caught = true;
          armed.held();
          return released;
        });
      }
      if (proxy.poison?.active && body.includes(proxy.poison.marker)) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"poison"}');
        return;
      }
      // Faults hit writes (message posts), where retries and duplicates matter.
      if (req.method !== 'POST' || proxy.faultsPaused || options.random() >= options.rate)
        return forward();
      const kind = KINDS[Math.floor(options.random() * KINDS.length)]!;
      injected[kind] += 1;
      if (kind === '429') {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end('{"error":"rate limited"}');
      } else if (kind === '503') {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
      } else if (kind === 'reset') {
        req.socket.destroy();
      } else {
        setTimeout(forward, options.stallMs);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      release();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
