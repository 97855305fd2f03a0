import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardRequest } from './forward-request';

export interface ProviderProxy {
  /** Give this to the runtime instead of the provider's URL. */
  url: string;
  /** Sends (requests `isSend` picks) received, and those not yet answered. */
  sends: number;
  inFlight: number;
  /** When the last send was received or answered (epoch ms). */
  lastActivity: number;
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of a provider fake, to make a provider slow or to act at
 * the moment a given send arrives: `beforeSend` runs before a send is forwarded and may hold it
 * (answering `'drop'` resets the connection and the provider never sees the send);
 * `afterSend` runs once the provider has taken the send and answered, and may hold that
 * answer (`'drop'` resets the connection: the provider has the message, the sender never
 * learns it). A send so held is provably in flight.
 */
export async function startProviderProxy(options: {
  target: string;
  isSend: (req: IncomingMessage) => boolean;
  beforeSend?: (sendNumber: number) => Promise<'forward' | 'drop'> | 'forward' | 'drop';
  afterSend?: (sendNumber: number) => Promise<'answer' | 'drop'>;
}): Promise<ProviderProxy> {
  const target = new URL(options.target);
  const sockets = new Set<import('node:net').Socket>();
  const proxy: ProviderProxy = {
    url: '',
    sends: 0,
    inFlight: 0,
    lastActivity: Date.now(),
    close: () =>
      new Promise((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const send = options.isSend(req);
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      void (async () => {
        if (!send) return forwardRequest(target, req, Buffer.concat(body), res);
        const sendNumber = (proxy.sends += 1);
        proxy.inFlight += 1;
        proxy.lastActivity = Date.now();
        res.once('close', () => {
          proxy.inFlight -= 1;
          proxy.lastActivity = Date.now();
        });
        if ((await options.beforeSend?.(sendNumber)) === 'drop') {
          req.socket.destroy();
          return;
        }
        const afterSend = options.afterSend;
        forwardRequest(
          target,
          req,
          Buffer.concat(body),
          res,
          afterSend && (() => afterSend(sendNumber)),
        );
      })();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
