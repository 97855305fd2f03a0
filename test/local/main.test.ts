import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm start', () => {
  it('starts with no configuration, prints every URL, serves /health and stops on SIGTERM', async () => {
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
      ],
      {
        cwd: ROOT,
        // Its runtime.json goes to a folder of its own, not over a developer's running one.
        env: {
          ...process.env,
          APP_JWT_SECRET: '',
          LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'chat-bridge-main-')),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolveExit) =>
      child.once('exit', (code) => resolveExit(code)),
    );
    try {
      const banner = await new Promise<Record<string, unknown>>((resolveBanner, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry.kind === 'ready') resolveBanner(entry);
        });
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code}`)));
      });

      expect(banner).toMatchObject({
        httpUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        wsUrl: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/),
        managementEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/local$/),
        invokeEndpoint: expect.stringContaining('/2015-03-31/functions/{name}/invocations'),
        dataDir: null,
      });
      const webhooks = banner.webhooks as { provider: string; url: string; header?: string }[];
      expect(webhooks.map((hook) => hook.provider)).toEqual([
        'gitple',
        'pingstreams',
        'tigerconnect',
      ]);
      expect(webhooks[0]!.url).toMatch(/\/webhooks\/gitple\?key=[\w-]{20,}$/);
      expect(webhooks[1]!.header).toMatch(/^x-hook-secret: [\w-]{20,}$/);
      const secrets = banner.devSecrets as { name: string; source: string; value?: string }[];
      expect(secrets.find((secret) => secret.name === 'APP_JWT_SECRET')).toMatchObject({
        source: 'generated',
        value: expect.stringMatching(/^[\w-]{40,}$/),
      });
      const health = await fetch(`${String(banner.httpUrl)}/health`);
      expect(health.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
