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
import {
  invokeDeadLetters,
  looksBeforeResending,
  settle,
  tally,
  unknownOutcomesByTarget,
} from './soak-checks';
import type { UnknownOutcomeResult } from '../../functions/core/relay/unknown-outcome';

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
  /** The relay looks for a copy at this target before sending again (its adapter's findSent). */
  looksFirst: boolean;
  /** Sends whose outcome was unknown (cut off by the kill), by how each ended. */
  unknown: Record<UnknownOutcomeResult, number>;
}

export interface SoakReport {
  targets: Record<Origin, TargetFigures>;
  parkedBeforeReplay: number;
  replayed: number;
  faults: Record<string, number>;
  crashes: number;
  /** The targets whose answer was held when the runtime was killed: sends provably in flight. */
  heldAtCrash: Origin[];
  /**
   * Sends the relay found announced but never settled (in flight at the kill): each was looked
   * for at its target (found, or not found and sent) or, where the target cannot be searched,
   * sent again — the one place a duplicate can come from.
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

/** How long the relay may take to send the crash's message (it lags far behind a fast soak). */
const HOLD_FIRST_WITHIN_MS = 600_000;
/** Once one held answer is in, how long the others may take before the kill. */
const HOLD_ALL_WITHIN_MS = 5_000;

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
  const heldAtCrash: Origin[] = [];
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
    // The kill is forced mid-call: a message from a provider the relay cannot search goes to
    // the ones it can, whose answers to it are held (the providers have it, the relay does not
    // know), and the runtime is killed then, while posting goes on.
    const crashOrigin = ORIGINS.find((origin) => !looksBeforeResending(origin)) ?? ORIGINS[0];
    const lookers = ORIGINS.filter((t) => t !== crashOrigin && looksBeforeResending(t));
    const crashAfter = options.crashAt > 0 ? Math.floor(options.messages * options.crashAt) : -1;
    let crashAt = crashAfter;
    while (crashAt >= 0 && ORIGINS[crashAt % ORIGINS.length] !== crashOrigin) crashAt += 1;
    const crashMidCall = async (marker: string) => {
      const holds = lookers.map((target) => ({ target, ...proxies[target].holdAnswer(marker) }));
      // The relay may lag far behind the posts; once one answer is held the others follow in
      // moments, faults paused, well inside the relay's 10 s call deadline.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_held, fail) => {
        const error = new Error(`the relay never sent ${marker} to ${lookers.join(' or ')}`);
        timer = setTimeout(() => fail(error), HOLD_FIRST_WITHIN_MS);
      });
      await Promise.race([...holds.map((h) => h.held), late]).finally(() => clearTimeout(timer));
      for (const proxy of Object.values(proxies)) proxy.faultsPaused = true;
      await Promise.race([Promise.all(holds.map((h) => h.held)), sleep(HOLD_ALL_WITHIN_MS)]);
      heldAtCrash.push(...holds.filter((h) => h.isHeld()).map((h) => h.target));
      log(`crash: SIGKILL with ${marker} in flight at ${heldAtCrash.join(' and ')}`);
      await runtime.kill();
      for (const proxy of Object.values(proxies)) {
        proxy.releaseHold();
        proxy.faultsPaused = false;
      }
      crashes += 1;
      await runtime.start();
      log('restarted on the same data folder');
    };
    for (let i = 0; i < options.messages; i += 1) {
      const origin = ORIGINS[i % ORIGINS.length]!;
      const marker = `soak#${i}#`;
      const message = soakMessage(origin, String(i), marker);
      sent.push({ marker, origin });
      if (i === crashAt) inFlight.push(crashMidCall(marker));
      inFlight.push(post(message));
      if (random() < options.redeliveryRate) {
        inFlight.push(sleep(random() * 500).then(() => post(message)));
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
    const unknown = unknownOutcomesByTarget(runtime.lines);
    const figures = count();
    for (const target of ORIGINS) figures[target].unknown = unknown[target];
    return {
      targets: figures,
      parkedBeforeReplay,
      replayed,
      faults,
      crashes,
      heldAtCrash,
      unknownOutcomes: runtime.lines.filter((line) => line.includes('delivery outcome unknown'))
        .length,
      postsRetried,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } catch (error) {
    // A runtime that ended by itself is the story: say how, with its last words.
    if (runtime.exits.length === 0) throw error;
    const tail = runtime.lines.slice(-30).join('\n');
    throw new Error(`${String(error)}; the runtime ${runtime.exits.join(', ')}:\n${tail}`);
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
