/**
 * The end-to-end bench's world: the peers (three fake provider servers, the subscribers, the
 * webhook poster, the direct-post baseline's caller) in a forked child, and the bridge as a
 * user runs it: `npm start` in its own process (bench/e2e-runtime.ts), configured from the
 * environment with the peers' provider servers and the bench's bridges file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT, REQUEST } from '../test/e2e/world';
import { BENCH_BRIDGE, GITPLE_KEY, JWT_SECRET, PINGSTREAMS_SECRET } from './e2e-config';
import { startNpmRuntime, type NpmStartedRuntime } from './e2e-runtime';
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
  peers: Peer;
  /** `npm start` (`-- --memory` when asked) wired to the peers' provider servers. */
  startRuntime(memory: boolean): Promise<NpmStartedRuntime>;
  close(): Promise<void>;
}

export async function startBenchWorld(options: { providerLatencyMs: number }): Promise<BenchWorld> {
  const peers = forkPeer(fileURLToPath(new URL('./e2e-peers.ts', import.meta.url)), {
    PROVIDER_LATENCY_MS: String(options.providerLatencyMs),
    // The runtime silences the SDK's Node 22 notice itself; the peers' SDK clients are ours.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const providerEnv = (await peers.ready) as Record<string, string>;
  const folder = mkdtempSync(join(tmpdir(), 'chat-bridge-bench-'));
  const bridgesFile = join(folder, 'bridges.json');
  writeFileSync(bridgesFile, JSON.stringify(benchBridges));
  const env = {
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
  };
  return {
    peers,
    startRuntime: (memory) => startNpmRuntime({ memory, env }),
    close: async () => {
      await peers.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
