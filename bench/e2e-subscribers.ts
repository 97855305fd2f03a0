/**
 * Opening and subscribing WebSocket clients as app users: the end-to-end bench's
 * (bench/e2e-peers.ts) and `npm run fanout`'s (scripts/fanout.ts).
 */
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { JWT_SECRET } from './e2e-config';

/** A client of user `sub`, its app JWT signed with `secret` (the runtime's APP_JWT_SECRET). */
export async function open(wsUrl: string, sub: string, secret = JWT_SECRET): Promise<WebSocket> {
  const token = jwt.sign({ sub, name: sub }, secret, { algorithm: 'HS256', expiresIn: '1h' });
  const socket = new WebSocket(`${wsUrl}?token=${token}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/** Subscribe once: the `subscribed` frame, or the error frame (or silence for 60 s) as a failure. */
export function subscribeOnce(socket: WebSocket, bridge: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.off('message', listener);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error('no subscribed frame in 60 s')), 60_000);
    const listener = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as { type?: string };
      if (frame.type === 'subscribed') finish();
      if (frame.type === 'error') finish(new Error(`subscribe refused: ${String(data)}`));
    };
    socket.on('message', listener);
    socket.send(JSON.stringify({ action: 'subscribe', bridge }));
  });
}

/** Subscribe, retrying (it is idempotent) when an overloaded handler timed out or failed. */
export async function subscribe(
  socket: WebSocket,
  bridge: string,
  onRetry: () => void,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await subscribeOnce(socket, bridge);
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      onRetry();
    }
  }
}
