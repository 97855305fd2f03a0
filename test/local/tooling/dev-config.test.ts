import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../../functions/definitions/env-names';
import { parseCliArgs } from '../../../local/tooling/cli-args';
import { resolveDevSecrets } from '../../../local/tooling/dev-config';
import { renderEnvExample } from '../../../local/tooling/env-example';
import { temporaryFolder } from '../local-bridge';

const ROOT = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

describe('.env.example', () => {
  it('lists every variable of ENV_VARS with its comment, and the local runtime ones', () => {
    const text = readFileSync(resolve(ROOT, '.env.example'), 'utf8');

    for (const [name, comment] of Object.entries(ENV_VARS)) {
      expect(text).toContain(`# ${name}=`);
      expect(text).toContain(comment);
    }
    for (const name of ['PORT', 'WS_PORT', 'LOCAL_DATA_DIR']) expect(text).toContain(`# ${name}=`);
  });

  it('is exactly what local/tooling/env-example.ts renders (re-render it after adding a variable)', () => {
    expect(readFileSync(resolve(ROOT, '.env.example'), 'utf8')).toBe(renderEnvExample());
  });
});

describe('npm start flags', () => {
  it('takes flags over PORT / WS_PORT / LOCAL_DATA_DIR over the defaults', () => {
    expect(parseCliArgs([], {})).toEqual({
      memory: false,
      dataDir: '.local-data',
      quiet: false,
      jsonLogs: false,
      port: 3000,
      wsPort: 3001,
      help: false,
    });
    expect(
      parseCliArgs(['--port', '0'], { PORT: '4000', WS_PORT: '4001', LOCAL_DATA_DIR: 'd' }),
    ).toMatchObject({
      port: 0,
      wsPort: 4001,
      dataDir: 'd',
    });
    expect(parseCliArgs(['--memory', '--quiet', '--json-logs'], {})).toMatchObject({
      memory: true,
      quiet: true,
      jsonLogs: true,
    });
    expect(() => parseCliArgs(['--port', 'x'], {})).toThrow('--port must be a port number');
    expect(() => parseCliArgs(['--memory', '--data', 'd'], {})).toThrow('exclude each other');
    expect(() => parseCliArgs(['--what'], {})).toThrow();
  });
});

describe('npm run token', () => {
  it('signs an HS256 app JWT with the dev secret npm start keeps in the data folder', async () => {
    const data = temporaryFolder();
    try {
      const [secret] = resolveDevSecrets({ env: {}, dataDir: data.path });
      const env = { ...process.env, APP_JWT_SECRET: '', LOCAL_DATA_DIR: '' };

      const { stdout } = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'local/tooling/dev-token.ts',
          '--data',
          data.path,
          '--sub',
          'alice',
          '--name',
          'Alice',
          '--roles',
          'moderator',
          '--bridges',
          'support',
          '--ttl',
          '600',
        ],
        { cwd: ROOT, env },
      );

      const claims = jwt.verify(stdout.trim(), secret!.value, {
        algorithms: ['HS256'],
      }) as jwt.JwtPayload;
      expect(claims).toMatchObject({
        sub: 'alice',
        name: 'Alice',
        roles: ['moderator'],
        bridges: ['support'],
      });
      expect(claims.exp! - claims.iat!).toBe(600);
    } finally {
      data.remove();
    }
  });
});
