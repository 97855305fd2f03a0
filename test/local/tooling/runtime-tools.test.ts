import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a repo script the way `npm run` does (tsx), in a shell without APP_JWT_SECRET. */
function run(script: string, args: string[], dataDir: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, APP_JWT_SECRET: '', LOCAL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

describe('npm run dlq and npm run token without a running runtime', () => {
  const empty = mkdtempSync(join(tmpdir(), 'chat-bridge-no-runtime-'));

  it('dlq says no runtime is running and how to start one, with no stack trace', async () => {
    const result = await run('scripts/dlq.ts', ['list'], empty);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No local runtime is running');
    expect(result.stderr).toContain('npm start');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('dlq --help prints its usage and succeeds', async () => {
    const result = await run('scripts/dlq.ts', ['--help'], empty);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: npm run dlq -- list|replay');
  });

  it('dlq refuses an unknown option with its usage, not a stack trace', async () => {
    const result = await run('scripts/dlq.ts', ['list', '--nope'], empty);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--nope'");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('npm start -- --memory, then npm run token and npm run dlq', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-bridge-runtime-'));
  let child: ReturnType<typeof spawn>;
  let exited: Promise<number | null>;
  let httpUrl: string;

  beforeAll(async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/main.ts', '--memory', '--port', '0', '--ws-port', '0'],
      {
        cwd: ROOT,
        env: { ...process.env, APP_JWT_SECRET: '', LOCAL_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    httpUrl = await new Promise<string>((resolveUrl, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /HTTP API\s+(http:\/\/\S+)/.exec(line);
        if (match) resolveUrl(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}`)));
    });
  });
  afterAll(async () => {
    child.kill('SIGTERM');
    await exited;
  });

  it('publishes its URLs in <data>/runtime.json, readable by its owner only', () => {
    const file = join(dataDir, 'runtime.json');
    const info = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

    expect(info).toMatchObject({ pid: child.pid, httpUrl, dataDir: null });
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('token signs with the secret this runtime generated, so the runtime accepts it', async () => {
    const token = await run('local/tooling/dev-token.ts', ['--sub', 'alice'], dataDir);

    const history = await fetch(`${httpUrl}/bridges/support/events`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });

    expect(token.code).toBe(0);
    expect(history.status).toBe(200);
    expect(await history.json()).toMatchObject({ bridge: 'support', events: [] });
  });

  it('dlq finds the runtime on its own port', async () => {
    const result = await run('scripts/dlq.ts', ['list'], dataDir);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ letters: [], count: 0, complete: true });
  });

  it('removes runtime.json when it stops', async () => {
    child.kill('SIGTERM');

    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);
  });
});
