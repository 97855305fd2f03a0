import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGitplePlatform } from '../../test/support/fake-gitple-platform';
import { startFakePingstreamsAuth } from '../../test/support/fake-pingstreams-auth';
import { startFakeTigerConnect } from '../../test/support/fake-tigerconnect';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import {
  ORIGINS,
  PROJECT,
  REQUEST,
  SOAK_KEYS,
  soakMessage,
  type Origin,
  type SoakWebhook,
} from './messages';
import { freePort, RuntimeProcess } from './runtime-process';
import { invokeDeadLetters, settle, tally } from './soak-checks';

export interface SoakOptions {
  messages: number;
  ratePerSecond: number;
  faultRate: number;
  redeliveryRate: number;
  /** Kill the runtime (SIGKILL) once this share of the messages is posted; 0 for no crash. */
  crashAt: number;
  seed: number;
  log?: (line: string) => void;
}

export interface TargetFigures {
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
}

export interface SoakReport {
  targets: Record<Origin, TargetFigures>;
  parkedBeforeReplay: number;
  replayed: number;
  faults: Record<string, number>;
  crashes: number;
  /**
   * Sends the relay found announced but never settled (in flight at the kill) and made again:
   * the one place a duplicate can come from, since providers take no idempotency key.
   */
  unknownOutcomes: number;
  postsRetried: number;
  seconds: number;
}

/** A small deterministic PRNG (mulberry32), so a soak run can be repeated exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Messages from three providers through the real local runtime (its own process) to the other
 * two, with provider faults, redeliveries, a crash and restart, and a poison message that
 * fails until it is parked and replayed. Counts what each target received by marker.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const random = prng(options.seed);
  const started = Date.now();
  const gitple = await startFakeGitplePlatform({
    appId: 'gitple-app',
    apiKey: 'gitple-api-key',
    users: ['bridge-bot'],
  });
  const pingstreams = await startFakePingstreamsAuth({
    projects: { [PROJECT]: 'pingstreams-project-secret' },
  });
  const tiger = await startFakeTigerConnect({ streamLifetimeMs: 500 });
  const proxy = (target: string) =>
    startFaultProxy({ target, rate: options.faultRate, stallMs: 1500, random });
  const proxies: Record<Origin, FaultProxy> = {
    gitple: await proxy(gitple.url),
    pingstreams: await proxy(pingstreams.url),
    tigerconnect: await proxy(tiger.url),
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-bridge-soak-'));
  const bridgesFile = join(dataDir, 'soak-bridges.json');
  writeFileSync(
    bridgesFile,
    JSON.stringify({
      bridges: [
        {
          id: 'soak',
          channels: [
            { provider: 'gitple', channel: 'room-7' },
            { provider: 'pingstreams', channel: REQUEST },
            { provider: 'tigerconnect', channel: 'u-def' },
          ],
        },
      ],
    }),
  );
  const runtime = new RuntimeProcess({
    dataDir: join(dataDir, 'data'),
    port: await freePort(),
    wsPort: await freePort(),
    env: {
      LOG_LEVEL: 'warn',
      BRIDGES_FILE: bridgesFile,
      GITPLE_HOST: proxies.gitple.url,
      GITPLE_APP_ID: 'gitple-app',
      GITPLE_APP_API_KEY: 'gitple-api-key',
      GITPLE_BOT_USER_ID: 'bridge-bot',
      GITPLE_WEBHOOK_KEY: SOAK_KEYS.gitple,
      PINGSTREAMS_API_URL: proxies.pingstreams.url,
      PINGSTREAMS_PROJECT_ID: PROJECT,
      PINGSTREAMS_PROJECT_SECRET: 'pingstreams-project-secret',
      PINGSTREAMS_WEBHOOK_SECRET: SOAK_KEYS.pingstreams,
      PINGSTREAMS_BOT_USER_ID: 'bridge-bot',
      TIGERCONNECT_API_URL: proxies.tigerconnect.url,
      TIGERCONNECT_API_KEY: tiger.apiKey,
      TIGERCONNECT_API_SECRET: tiger.apiSecret,
      TIGERCONNECT_BOT_USER_ID: 'tiger-bot',
      TIGERCONNECT_WEBHOOK_KEY: SOAK_KEYS.tigerconnect,
    },
  });
  const received: Record<Origin, () => string[]> = {
    gitple: () => gitple.messages.map((m) => m.content),
    pingstreams: () => pingstreams.messages.map((m) => m.text),
    tigerconnect: () => tiger.messages.map((m) => String(m.body.body ?? m.body.message ?? '')),
  };
  const sent: { marker: string; origin: Origin }[] = [];
  let postsRetried = 0;
  let crashes = 0;
  try {
    await runtime.start();
    const post = async (body: SoakWebhook) => {
      for (let attempt = 0; ; attempt += 1) {
        const ok = await fetch(`${runtime.httpUrl}/webhooks/${body.provider}${body.query}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...body.headers },
          body: JSON.stringify(body.json),
        }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        // A provider redelivers what was not acknowledged (the runtime may be down: a crash).
        postsRetried += 1;
        if (attempt > 200)
          throw new Error(`webhook never acknowledged: ${JSON.stringify(body.json).slice(0, 120)}`);
        await sleep(100);
      }
    };
    const poisonMarker = `soak#poison#`;
    proxies.pingstreams.poison = { marker: poisonMarker, active: true };
    const inFlight: Promise<void>[] = [post(soakMessage('gitple', 'poison', poisonMarker))];
    sent.push({ marker: poisonMarker, origin: 'gitple' });
    const crashAfter = options.crashAt > 0 ? Math.floor(options.messages * options.crashAt) : -1;
    for (let i = 0; i < options.messages; i += 1) {
      const origin = ORIGINS[i % ORIGINS.length]!;
      const marker = `soak#${i}#`;
      const message = soakMessage(origin, String(i), marker);
      sent.push({ marker, origin });
      inFlight.push(post(message));
      if (random() < options.redeliveryRate) {
        inFlight.push(sleep(random() * 500).then(() => post(message)));
      }
      if (i === crashAfter) {
        log(`crash: SIGKILL after ${i + 1} messages, then restart on the same data folder`);
        await runtime.kill();
        crashes += 1;
        await runtime.start();
      }
      await sleep(1000 / options.ratePerSecond);
    }
    await Promise.all(inFlight);
    log('all webhooks acknowledged; waiting for the relay to settle');
    const count = () => tally(sent, received);
    await settle(count, 180_000);
    // The poison fails every attempt: wait (bounded) until the relay gives up and parks it.
    let parkedBeforeReplay = 0;
    for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(1000)) {
      const parked = await invokeDeadLetters(runtime.httpUrl, 'list');
      parkedBeforeReplay = Array.isArray(parked.letters) ? parked.letters.length : 0;
      if (parkedBeforeReplay > 0) break;
    }
    proxies.pingstreams.poison.active = false;
    const replay = await invokeDeadLetters(runtime.httpUrl, 'replay');
    const replayed = Array.isArray(replay.replayed) ? replay.replayed.length : 0;
    log(`dead letters: ${parkedBeforeReplay} parked, ${replayed} replayed`);
    await settle(count, 60_000);
    const faults: Record<string, number> = {};
    for (const p of Object.values(proxies)) {
      for (const [kind, n] of Object.entries(p.injected)) faults[kind] = (faults[kind] ?? 0) + n;
    }
    return {
      targets: count(),
      parkedBeforeReplay,
      replayed,
      faults,
      crashes,
      unknownOutcomes: runtime.lines.filter((line) => line.includes('delivery outcome unknown'))
        .length,
      postsRetried,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await runtime.stop().catch(() => undefined);
    await Promise.all([
      ...Object.values(proxies).map((p) => p.close()),
      gitple.close(),
      pingstreams.close(),
      tiger.close(),
    ]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
