import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { eventually, temporaryFolder } from './local-bridge';

const ROOT = resolve(import.meta.dirname, '../..');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('npm start killed with SIGKILL', () => {
  it('does not leave the runtime running behind the tsx launcher, holding the data folder', async () => {
    // Prepare: `npm start` runs `tsx local/main.ts`, a launcher with the runtime as its child.
    const data = temporaryFolder();
    const launcher = spawn(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['local/main.ts', '--data', data.path, '--port', '0', '--ws-port', '0', '--json-logs'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    try {
      await new Promise<void>((ready) =>
        createInterface({ input: launcher.stdout }).on('line', (line) => {
          if (line.includes('"kind":"ready"')) ready();
        }),
      );
      const runtime = Number(
        readFileSync(join(data.path, 'runtime.lock'), 'utf8').match(/\d+/)![0],
      );
      expect(runtime).not.toBe(launcher.pid);

      // Act: a signal the launcher cannot pass on.
      launcher.kill('SIGKILL');

      // Assess: the runtime notices, stops and releases the data folder.
      await eventually('the runtime to stop', () => !alive(runtime), 10_000);
      await eventually('the lock released', () => {
        try {
          readFileSync(join(data.path, 'runtime.lock'));
          return false;
        } catch {
          return true;
        }
      });
    } finally {
      launcher.kill('SIGKILL');
      data.remove();
    }
  }, 40_000);
});
