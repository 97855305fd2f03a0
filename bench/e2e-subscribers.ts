/** Opening and subscribing the end-to-end bench's WebSocket clients (bench/e2e-peers.ts). */
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { JWT_SECRET } from './e2e-config';

export async function open(wsUrl: string, sub: string): Promise<WebSocket> {
  const token = jwt.sign({ sub, name: sub }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' });
  const socket = new WebSocket(`${wsUrl}?token=${token}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

function subscribeOnce(socket: WebSocket, bridge: string): Promise<void> {
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
