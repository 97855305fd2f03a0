import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, temporaryFolder } from '../local/local-bridge';
import { startFakeGitplePlatform, type FakeGitplePlatform } from '../support/fake-gitple-platform';
import {
  startFakePingstreamsAuth,
  type FakePingstreamsAuth,
} from '../support/fake-pingstreams-auth';
import { startFakeTigerConnect, type FakeTigerConnect } from '../support/fake-tigerconnect';
import { startProviderProxy, type ProviderProxy } from '../support/provider-proxy';
import { gitpleMessage, PROJECT, REQUEST } from './world';

const ROOT = resolve(import.meta.dirname, '../..');
const GITPLE_KEY = 'gitple-webhook-key-crash';
const WEBHOOKS = 120;
/** The TigerConnect send during which the runtime is killed. */
const KILL_AT_SEND = 45;
const SLOW_TARGET_DELAY_MS = 40;

interface Runtime {
  httpUrl: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output: string[];
}

/** `npm start` as a child process (so it can be SIGKILLed), ready once it prints its banner. */
async function startRuntime(dataDir: string, env: Record<string, string>): Promise<Runtime> {
  const child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', 'local/main.ts', '--data', dataDir],
      ...['--port', '0', '--ws-port', '0', '--json-logs'],
    ],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  const httpUrl = await new Promise<string>((resolveUrl, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { kind?: string; httpUrl?: string };
      if (entry.kind === 'ready' && entry.httpUrl) resolveUrl(entry.httpUrl);
    });
    void exited.then((code) =>
      reject(new Error(`runtime exited with ${code}: ${output.join('\n')}`)),
    );
  });
  return { httpUrl, child, exited, output };
}

/** Events the runtime logged as delivered to targets starting with `target`. */
function deliveredTo(output: string[], target: string): number {
  const events = new Set<string>();
  for (const line of output) {
    if (!line.includes('"delivered"') || !line.includes(`"target":"${target}`)) continue;
    const entry = JSON.parse(line) as { message?: string; eventId?: string; status?: string };
    if (entry.message === 'delivery' && entry.status === 'delivered' && entry.eventId) {
      events.add(entry.eventId);
    }
  }
  return events.size;
}

/**
 * The local stream is as durable as the data folder: webhooks accepted, the runtime SIGKILLed
 * while relaying lags behind a slow target, restarted on the same folder — every event reaches
 * every target exactly once. The kill lands while a TigerConnect send is on its way (held by
 * the proxy, never seen by the provider) and the other target is between sends: a send the
 * provider accepted just before the kill, whose delivery record was not yet written, would be
 * sent again — no delivery record can close that window, only a provider-side idempotency key.
 */
describe('a crash of the local runtime mid-relay', () => {
  const data = temporaryFolder();
  let gitple: FakeGitplePlatform;
  let pingstreams: FakePingstreamsAuth;
  let tiger: FakeTigerConnect;
  let pingstreamsProxy: ProviderProxy;
  let tigerProxy: ProviderProxy;
  let runtime: Runtime | undefined;
  let env: Record<string, string>;
  let killedAt: { tiger: number; pingstreams: number } | undefined;
  /** From the kill until the restart. */
  let dead = false;

  beforeAll(async () => {
    gitple = await startFakeGitplePlatform({
      appId: 'gitple-app',
      apiKey: 'gitple-api-key',
      users: ['bridge-bot'],
    });
    pingstreams = await startFakePingstreamsAuth({
      projects: { [PROJECT]: 'pingstreams-project-secret' },
    });
    tiger = await startFakeTigerConnect();
    pingstreamsProxy = await startProviderProxy({
      target: pingstreams.url,
      isSend: (req) => req.method === 'POST' && /\/messages$/.test(req.url ?? ''),
      // A send the dead runtime had already written to its socket never reaches Pingstreams.
      beforeSend: () => (dead ? 'drop' : 'forward'),
    });
    tigerProxy = await startProviderProxy({
      target: tiger.url,
      isSend: (req) => req.method === 'POST' && req.url === '/v2/message',
      beforeSend: async (send) => {
        if (send !== KILL_AT_SEND || killedAt) {
          await new Promise((wait) => setTimeout(wait, SLOW_TARGET_DELAY_MS));
          return 'forward';
        }
        // The batch cannot finish while this send is held. Kill once every send Pingstreams
        // accepted has its delivery record (the relay logs `delivery` after writing it).
        await eventually(
          'every Pingstreams send recorded',
          () => {
            const recorded = deliveredTo(runtime!.output, 'pingstreams#');
            if (pingstreamsProxy.inFlight > 0 || recorded < pingstreams.messages.length)
              return false;
            killedAt = { tiger: tiger.messages.length, pingstreams: pingstreams.messages.length };
            runtime!.child.kill('SIGKILL'); // in the same tick as the check
            dead = true;
            return true;
          },
          20_000,
        );
        return 'drop';
      },
    });
    const bridges = join(data.path, 'crash-bridges.json');
    writeFileSync(
      bridges,
      JSON.stringify({
        bridges: [
          {
            id: 'crash',
            channels: [
              { provider: 'gitple', channel: 'room-7', direction: 'inout' },
              { provider: 'pingstreams', channel: REQUEST, direction: 'inout' },
              { provider: 'tigerconnect', channel: 'u-def', direction: 'inout' },
            ],
            senderFormat: '[{provider}] {sender}: {text}',
            relay: ['chat.message.created'],
          },
        ],
      }),
    );
    env = {
      BRIDGES_FILE: bridges,
      APP_JWT_SECRET: 'crash-app-jwt-secret-0123456789abcdef',
      GITPLE_HOST: gitple.url,
      GITPLE_APP_ID: 'gitple-app',
      GITPLE_APP_API_KEY: 'gitple-api-key',
      GITPLE_BOT_USER_ID: 'bridge-bot',
      GITPLE_WEBHOOK_KEY: GITPLE_KEY,
      PINGSTREAMS_API_URL: pingstreamsProxy.url,
      PINGSTREAMS_PROJECT_ID: PROJECT,
      PINGSTREAMS_PROJECT_SECRET: 'pingstreams-project-secret',
      PINGSTREAMS_WEBHOOK_SECRET: 'crash-hook-secret',
      PINGSTREAMS_BOT_USER_ID: 'bridge-bot',
      ...tiger.env,
      TIGERCONNECT_API_URL: tigerProxy.url,
      TIGERCONNECT_BOT_USER_ID: 'tiger-bot',
      TIGERCONNECT_WEBHOOK_KEY: 'crash-tiger-key',
      AWS_REGION: 'us-west-2',
      LOG_LEVEL: 'info', // the relay's `delivery` lines tell when a send is recorded
    };
  });

  afterAll(async () => {
    runtime?.child.kill('SIGKILL');
    await runtime?.exited;
    await Promise.all([
      pingstreamsProxy?.close(),
      tigerProxy?.close(),
      gitple?.close(),
      pingstreams?.close(),
      tiger?.close(),
    ]);
    data.remove();
  });

  /** Post every webhook; those the dead runtime did not answer come back for a redelivery. */
  async function postAll(ids: number[], httpUrl: string): Promise<number[]> {
    const unanswered: number[] = [];
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const response = await fetch(`${httpUrl}/webhooks/gitple?key=${GITPLE_KEY}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(gitpleMessage(id, `crash #${id}#`)),
          });
          if (response.status !== 200) unanswered.push(id);
        } catch {
          unanswered.push(id);
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return unanswered;
  }

  const countsById = (texts: string[]) => {
    const counts = new Map<number, number>();
    for (const text of texts) {
      const id = Number(/#(\d+)#/.exec(text)?.[1]);
      if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };
  const tigerCounts = () => countsById(tiger.messages.map((m) => String(m.body.body)));
  const pingstreamsCounts = () => countsById(pingstreams.messages.map((m) => m.text));

  it('relays every accepted event to every target exactly once after a SIGKILL and a restart', async () => {
    // Prepare
    const ids = Array.from({ length: WEBHOOKS }, (_, index) => 5000 + index);
    runtime = await startRuntime(data.path, env);

    // Act: post everything; the proxy kills the runtime while relaying lags behind.
    const unanswered = await postAll(ids, runtime.httpUrl);
    await runtime.exited;
    expect(killedAt, 'the runtime was killed mid-relay').toBeDefined();
    expect(killedAt!.tiger).toBeLessThan(WEBHOOKS);
    dead = false;
    runtime = await startRuntime(data.path, env);
    const stillUnanswered = await postAll(unanswered, runtime.httpUrl);
    const everywhere = () =>
      ids.every((id) => tigerCounts().has(id) && pingstreamsCounts().has(id));
    await eventually('every event at every target', everywhere, 60_000).catch(() => undefined);
    await new Promise((settle) => setTimeout(settle, 1000)); // a late duplicate would show now

    // Assess
    expect(stillUnanswered).toEqual([]);
    for (const [target, counts] of [
      ['tigerconnect', tigerCounts()],
      ['pingstreams', pingstreamsCounts()],
    ] as const) {
      const lost = ids.filter((id) => !counts.has(id));
      const duplicated = ids.filter((id) => (counts.get(id) ?? 0) > 1);
      expect({ target, lost, duplicated }).toEqual({ target, lost: [], duplicated: [] });
    }
  }, 120_000);
});
