/**
 * The end-to-end bench's world: the real local runtime (startLocalBridge: HTTP and WebSocket
 * gateways, dynalite, the stream emulation with the relay's real settings) in this process,
 * and the peers (three fake provider servers, the subscribers, the webhook poster) in a child.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WS_ROUTES } from '../functions/definitions/functions';
import { startLocalBridge, type LocalBridge } from '../local/bridge';
import { createLocalLog } from '../local/tooling/log';
import { PROJECT, REQUEST } from '../test/e2e/world';
import { handler as directFanOut } from './direct-fanout';
import {
  BENCH_BRIDGE,
  DIRECT_ROUTE,
  GITPLE_KEY,
  JWT_SECRET,
  PINGSTREAMS_SECRET,
} from './e2e-config';
import { forkPeer, type Peer } from './ipc';

/**
 * Gitple room-7 feeds the bridge; its three provider targets are another Gitple room,
 * Pingstreams and TigerConnect (the bridge's own WebSocket subscribers come on top).
 */
const benchBridges = {
  bridges: [
    {
      id: BENCH_BRIDGE,
      channels: [
        { provider: 'gitple', channel: 'room-7', direction: 'in' },
        { provider: 'gitple', channel: 'room-8', direction: 'out' },
        { provider: 'pingstreams', channel: REQUEST, direction: 'out' },
        { provider: 'tigerconnect', channel: 'u-def', direction: 'out' },
      ],
      relay: ['chat.message.created'],
    },
  ],
};

export interface BenchWorld {
  bridge: LocalBridge;
  peers: Peer;
  /** Warnings and errors the local runtime logged. */
  problems: string[];
  close(): Promise<void>;
}

export async function startBenchWorld(options: { providerLatencyMs: number }): Promise<BenchWorld> {
  const peers = forkPeer(fileURLToPath(new URL('./e2e-peers.ts', import.meta.url)), {
    PROVIDER_LATENCY_MS: String(options.providerLatencyMs),
  });
  const providerEnv = (await peers.ready) as Record<string, string>;
  const folder = mkdtempSync(join(tmpdir(), 'chat-bridge-bench-'));
  const bridgesFile = join(folder, 'bridges.json');
  writeFileSync(bridgesFile, JSON.stringify(benchBridges));
  const problems: string[] = [];
  const bridge = await startLocalBridge({
    port: 0,
    wsPort: 0,
    memory: true,
    log: createLocalLog({ quiet: true, json: true, write: (line) => problems.push(line) }),
    env: {
      ...providerEnv,
      APP_JWT_SECRET: JWT_SECRET,
      BRIDGES_FILE: bridgesFile,
      GITPLE_APP_ID: 'gitple-app',
      GITPLE_APP_API_KEY: 'gitple-api-key',
      GITPLE_BOT_USER_ID: 'bridge-bot',
      GITPLE_WEBHOOK_KEY: GITPLE_KEY,
      PINGSTREAMS_PROJECT_ID: PROJECT,
      PINGSTREAMS_PROJECT_SECRET: PINGSTREAMS_SECRET,
      PINGSTREAMS_BOT_USER_ID: 'bridge-bot',
      TIGERCONNECT_BOT_USER_ID: 'tiger-bot',
    },
    functions: {
      BenchDirectFanOut: {
        entry: 'bench-only',
        description: 'the direct-post fan-out baseline',
        memorySize: 1024,
        timeoutSeconds: 120,
      },
    },
    modules: { BenchDirectFanOut: { handler: directFanOut } },
    wsRoutes: [...WS_ROUTES, { routeKey: DIRECT_ROUTE, function: 'BenchDirectFanOut' }],
  });
  if (bridge.configError) throw new Error(`bench bridge misconfigured: ${bridge.configError}`);
  return {
    bridge,
    peers,
    problems,
    close: async () => {
      await peers.close();
      await bridge.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
