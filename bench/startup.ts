/**
 * Start-up time of the local runtime, median of 5 runs each:
 * - in process: from calling startLocalBridge to all servers listening and tables ready
 *   (in memory, and with a fresh data folder);
 * - whole command: from spawning `node --import tsx local/main.ts` to its ready line,
 *   TypeScript loading included (what `npm start` feels like, minus npm itself).
 * Run: npx tsx bench/startup.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startLocalBridge } from '../local/bridge';
import { createLocalLog } from '../local/tooling/log';

const RUNS = 5;
const ROOT = resolve(import.meta.dirname, '..');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function inProcess(memory: boolean): Promise<number> {
  const dataDir = memory ? undefined : mkdtempSync(join(tmpdir(), 'chat-bridge-bench-'));
  const started = performance.now();
  const bridge = await startLocalBridge({
    port: 0,
    wsPort: 0,
    memory,
    ...(dataDir && { dataDir }),
    log: createLocalLog({ quiet: true }),
  });
  const ms = performance.now() - started;
  await bridge.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  return ms;
}

async function wholeCommand(): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'local/main.ts',
      '--memory',
      '--port',
      '0',
      '--ws-port',
      '0',
      '--json-logs',
      '--quiet',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const ms = await new Promise<number>((resolveReady, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"kind":"ready"')) resolveReady(performance.now() - started);
    });
    child.once('exit', (code) => reject(new Error(`local/main.ts exited with ${code}`)));
  });
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  await exited;
  return ms;
}

async function measure(label: string, run: () => Promise<number>) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) times.push(await run());
  const shown = times.map((ms) => ms.toFixed(0)).join(', ');
  console.log(`${label.padEnd(44)} median ${median(times).toFixed(0)} ms   (runs: ${shown})`);
}

await measure('startLocalBridge, in memory', () => inProcess(true));
await measure('startLocalBridge, fresh data folder', () => inProcess(false));
await measure('process start -> ready (node --import tsx)', wholeCommand);
