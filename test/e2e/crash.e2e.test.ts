import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, temporaryFolder } from '../local/local-bridge';
import { PROJECT, REQUEST, SOAK_KEYS, soakMessage } from '../../scripts/soak/messages';
import { startFakeGitplePlatform, type FakeGitplePlatform } from '../support/fake-gitple-platform';
import { startFakeTigerConnect, type FakeTigerConnect } from '../support/fake-tigerconnect';
import { startProviderProxy, type ProviderProxy } from '../support/provider-proxy';

const ROOT = resolve(import.meta.dirname, '../..');
const WEBHOOKS = 120;
/** The Gitple send during which the runtime is killed: Gitple has taken it, the relay has not heard. */
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

/** Lines of `output` saying the outcome of a send to `target` was unknown and how it ended. */
const unknownOutcomes = (output: string[], target: string) =>
  output.flatMap((line) => {
    if (!line.includes('delivery outcome unknown')) return [];
    const entry = JSON.parse(line) as { target?: string; result?: string };
    return entry.target?.startsWith(target) ? [entry.result] : [];
  });

/**
 * The local stream is as durable as the data folder, and a send cut off mid-call is not made
 * twice: Pingstreams webhooks accepted, the runtime SIGKILLed while relaying lags behind a slow
 * Gitple, restarted on the same folder — every event reaches every target exactly once. The
 * kill is forced while a Gitple send is provably in flight: Gitple has taken it and answered,
 * the proxy holds the answer, so the relay never learns the outcome. On restart it finds the
 * send announced and unsettled, looks for the copy at Gitple (findSent), finds it and records
 * it, sending nothing. TigerConnect, which cannot be searched, is between sends at the kill
 * (every send it took is recorded), so it has nothing in doubt.
 */
describe('a crash of the local runtime mid-relay', () => {
  const data = temporaryFolder();
  let gitple: FakeGitplePlatform;
  let tiger: FakeTigerConnect;
  let gitpleProxy: ProviderProxy;
  let tigerProxy: ProviderProxy;
  let runtime: Runtime | undefined;
  let env: Record<string, string>;
  let killedAt: { gitple: number; tiger: number } | undefined;
  /** From the kill until the restart. */
  let dead = false;

  beforeAll(async () => {
    gitple = await startFakeGitplePlatform({
      appId: 'gitple-app',
      apiKey: 'gitple-api-key',
      users: ['bridge-bot'],
    });
    tiger = await startFakeTigerConnect();
    tigerProxy = await startProviderProxy({
      target: tiger.url,
      isSend: (req) => req.method === 'POST' && req.url === '/v2/message',
      // A send the dead runtime had already written to its socket never reaches TigerConnect.
      beforeSend: () => (dead ? 'drop' : 'forward'),
    });
    gitpleProxy = await startProviderProxy({
      target: gitple.url,
      isSend: (req) => req.method === 'POST' && /\/messages$/.test(req.url ?? ''),
      beforeSend: async () => {
        await new Promise((wait) => setTimeout(wait, SLOW_TARGET_DELAY_MS));
        return 'forward' as const;
      },
      afterSend: async (send) => {
        if (send !== KILL_AT_SEND || killedAt) return 'answer';
        // Gitple has stored the message and answered; the batch cannot finish while the answer
        // is held. Kill once every send TigerConnect took has its delivery record (the relay
        // logs `delivery` after writing it) and none is on its way.
        await eventually(
          'every TigerConnect send recorded',
          () => {
            const recorded = deliveredTo(runtime!.output, 'tigerconnect#');
            if (tigerProxy.inFlight > 0 || recorded < tiger.messages.length) return false;
            killedAt = { gitple: gitple.messages.length, tiger: tiger.messages.length };
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
              { provider: 'pingstreams', channel: REQUEST, direction: 'inout' },
              { provider: 'gitple', channel: 'room-7', direction: 'inout' },
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
      GITPLE_HOST: gitpleProxy.url,
      GITPLE_APP_ID: 'gitple-app',
      GITPLE_APP_API_KEY: 'gitple-api-key',
      GITPLE_BOT_USER_ID: 'bridge-bot',
      PINGSTREAMS_PROJECT_ID: PROJECT,
      PINGSTREAMS_WEBHOOK_SECRET: SOAK_KEYS.pingstreams,
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
    await Promise.all([gitpleProxy?.close(), tigerProxy?.close(), gitple?.close(), tiger?.close()]);
    data.remove();
  });

  /** Post every webhook; those the dead runtime did not answer come back for a redelivery. */
  async function postAll(ids: number[], httpUrl: string): Promise<number[]> {
    const unanswered: number[] = [];
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const webhook = soakMessage('pingstreams', String(id), `crash #${id}#`);
          const response = await fetch(`${httpUrl}/webhooks/pingstreams`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...webhook.headers },
            body: JSON.stringify(webhook.json),
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
  const gitpleCounts = () => countsById(gitple.messages.map((m) => m.content));

  it('relays every accepted event to every target exactly once after a SIGKILL mid-call and a restart', async () => {
    // Prepare
    const ids = Array.from({ length: WEBHOOKS }, (_, index) => 5000 + index);
    runtime = await startRuntime(data.path, env);

    // Act: post everything; the proxy kills the runtime while a Gitple send is in flight.
    const unanswered = await postAll(ids, runtime.httpUrl);
    await runtime.exited;
    const firstRun = runtime.output;
    expect(killedAt, 'the runtime was killed mid-relay').toBeDefined();
    expect(killedAt!.gitple).toBeLessThan(WEBHOOKS);
    // Provably in flight: Gitple holds one copy more than the relay recorded as delivered.
    expect(deliveredTo(firstRun, 'gitple#')).toBe(killedAt!.gitple - 1);
    dead = false;
    runtime = await startRuntime(data.path, env);
    const stillUnanswered = await postAll(unanswered, runtime.httpUrl);
    const everywhere = () => ids.every((id) => tigerCounts().has(id) && gitpleCounts().has(id));
    await eventually('every event at every target', everywhere, 60_000).catch(() => undefined);
    await new Promise((settle) => setTimeout(settle, 1000)); // a late duplicate would show now

    // Assess
    expect(stillUnanswered).toEqual([]);
    // The send cut off at the kill was looked for at Gitple and found there, not made again.
    expect(unknownOutcomes(runtime.output, 'gitple#')).toEqual(['found']);
    expect(unknownOutcomes(runtime.output, 'tigerconnect#')).toEqual([]);
    for (const [target, counts] of [
      ['tigerconnect', tigerCounts()],
      ['gitple', gitpleCounts()],
    ] as const) {
      const lost = ids.filter((id) => !counts.has(id));
      const duplicated = ids.filter((id) => (counts.get(id) ?? 0) > 1);
      expect({ target, lost, duplicated }).toEqual({ target, lost: [], duplicated: [] });
    }
  }, 120_000);
});
