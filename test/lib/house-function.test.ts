import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/definitions/functions';
import { BUNDLED_BRIDGES_FILE, HouseFunction } from '../../lib/house-function';
import { writeBridgesFile } from './stack-fixture';

describe('house function bundling (real esbuild, one function)', () => {
  it('emits an ESM bundle with the require shim, a source map and the bridges file beside it', () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'chat-bridge-bundle-'));
    const bridgesFile = writeBridgesFile();
    const stack = new Stack(new App({ outdir }), 'Bundle');

    // Act
    new HouseFunction(stack, 'Health', {
      definition: FUNCTIONS.Health,
      bridgesFile,
      environment: {},
      bundlingMode: 'esbuild',
    });
    const [asset] = readdirSync(outdir).filter((entry) => entry.startsWith('asset.'));
    const dir = join(outdir, asset ?? 'missing');

    // Assess
    const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire } from 'module';")).toBe(true);
    expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\b/);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    expect(readFileSync(join(dir, BUNDLED_BRIDGES_FILE), 'utf8')).toBe(
      readFileSync(bridgesFile, 'utf8'),
    );
  });
});
