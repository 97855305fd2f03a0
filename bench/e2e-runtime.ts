/**
 * The end-to-end bench's runtime, started the way the README starts it: `npm start` (or
 * `npm start -- --memory`) in its own process group, configured from the environment, found
 * through the `runtime.json` it writes in its data folder, and stopped with Ctrl-C (SIGINT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readRuntimeFile, type RuntimeInfo } from '../local/tooling/runtime-file';

const ROOT = resolve(import.meta.dirname, '..');

export interface NpmStartedRuntime {
  info: Required<Pick<RuntimeInfo, 'dynamoEndpoint' | 'tableNames'>> & RuntimeInfo;
  /** The runtime's own warning and error lines (it prints its usual log otherwise). */
  problems: string[];
  close(): Promise<void>;
}

/**
 * `memory`: `npm start -- --memory`; otherwise a fresh data folder, as a first `npm start` in a
 * new clone has. Ports are any free ones (PORT=0, WS_PORT=0); `env` carries the rest.
 */
export async function startNpmRuntime(options: {
  memory: boolean;
  env: Record<string, string>;
  timeoutMs?: number;
}): Promise<NpmStartedRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-bridge-bench-data-'));
  const child = spawn('npm', ['start', ...(options.memory ? ['--', '--memory'] : [])], {
    cwd: ROOT,
    // Its own process group, so Ctrl-C reaches npm, tsx and the runtime as in a terminal.
    detached: true,
    env: { ...process.env, ...options.env, PORT: '0', WS_PORT: '0', LOCAL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const problems: string[] = [];
  const tail: string[] = [];
  const read = (data: Buffer) => {
    for (const line of String(data).split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (/ (ERROR|WARN) /.test(line)) problems.push(line);
    }
  };
  // Read (and drop) everything it prints: a terminal would take it as fast.
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  const close = () => stop(child).finally(() => rmSync(dataDir, { recursive: true, force: true }));
  try {
    const info = await discovered(child, dataDir, options.timeoutMs ?? 60_000, tail);
    return { info, problems, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function discovered(
  child: ChildProcess,
  dataDir: string,
  timeoutMs: number,
  tail: string[],
): Promise<NpmStartedRuntime['info']> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = readRuntimeFile(dataDir);
    if (info?.dynamoEndpoint && info.tableNames) return info as NpmStartedRuntime['info'];
    if (child.exitCode !== null)
      throw new Error(`npm start exited (${child.exitCode}):\n${tail.join('\n')}`);
    if (Date.now() > deadline)
      throw new Error(`npm start wrote no runtime.json in ${timeoutMs} ms:\n${tail.join('\n')}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Ctrl-C, as a developer stops it; SIGKILL for the group if it is still there after 15 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  process.kill(-child.pid!, 'SIGINT');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
