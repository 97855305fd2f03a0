import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../../client/src';
import { gitpleMessage } from '../e2e/world';
import { startTestBridge, type TestBridge } from '../local/local-bridge';

export const APP_JWT_SECRET = 'client-app-jwt-secret-0123456789abcdef';
const GITPLE_KEY = 'gitple-webhook-key-client';

/** The local runtime with Gitple ingest configured; the other providers report `skipped`. */
export function startClientBridge(
  options: { dataDir?: string; port?: number; wsPort?: number } = {},
): Promise<TestBridge> {
  return startTestBridge({
    env: { APP_JWT_SECRET, GITPLE_WEBHOOK_KEY: GITPLE_KEY, BRIDGES_FILE: 'bridges.json' },
    streamRetryDelayMs: 50,
    ...options,
  });
}

export function appToken(sub: string, roles: string[] = []): string {
  return jwt.sign({ sub, name: sub.toUpperCase(), roles }, APP_JWT_SECRET, {
    algorithm: 'HS256',
    expiresIn: '1h',
  });
}

/** Post Gitple message `id` to the bridge; resolves with the stored event id. */
export async function postGitple(httpUrl: string, id: number, text: string): Promise<string> {
  const response = await fetch(`${httpUrl}/webhooks/gitple?key=${GITPLE_KEY}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(gitpleMessage(id, text)),
  });
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  const body = (await response.json()) as { stored: string[]; duplicates?: string[] };
  return body.stored[0] ?? body.duplicates?.[0] ?? '';
}

/**
 * The `ws` constructor, keeping every socket the client opens so a test can cut one the way a
 * network does (no close frame) and watch what the client writes.
 */
export function trackedWebSocket() {
  const sockets: WebSocket[] = [];
  const sent: string[] = [];
  const received: string[] = [];
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
      this.on('message', (data) => received.push(String(data)));
    }
    override send(data: string): void {
      sent.push(data);
      super.send(data);
    }
  }
  return {
    WebSocket: Tracked as unknown as WebSocketConstructor,
    sockets,
    sent,
    received,
    current: () => sockets.at(-1),
  };
}
