/**
 * Each Lambda's bundle, built as the stack builds it (esbuild, ESM, minified, node22), with
 * its size and its cold import time: a fresh `node` importing the built `index.mjs`, median
 * of five fresh processes. `npx tsx bench/bundles.ts [--root <checkout>]` measures another
 * checkout the same way (for before/after figures).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ESM_REQUIRE_SHIM =
  "import { createRequire as __bridgeCreateRequire } from 'module'; const require = __bridgeCreateRequire(import.meta.url);";

export interface BundleFigure {
  name: string;
  bytes: number;
  coldImportMs: number;
}

function coldImportMs(file: string): number {
  const probe = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const runs = Array.from({ length: 5 }, () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
        encoding: 'utf8',
        env: { ...process.env, AWS_REGION: 'us-east-1' },
      }).trim(),
    ),
  ).sort((a, b) => a - b);
  return runs[2]!;
}

export async function benchBundles(root = process.cwd()): Promise<BundleFigure[]> {
  const { FUNCTIONS } = (await import(resolve(root, 'functions/definitions/functions.ts')).catch(
    () => import(resolve(root, 'functions/infra/functions.ts')),
  )) as {
    FUNCTIONS: Record<string, { entry: string }>;
  };
  const out = mkdtempSync(join(tmpdir(), 'bundles-'));
  const figures: BundleFigure[] = [];
  for (const [name, definition] of Object.entries(FUNCTIONS)) {
    const outfile = join(out, name, 'index.mjs');
    await build({
      entryPoints: [resolve(root, 'functions', definition.entry)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      keepNames: true,
      mainFields: ['module', 'main'],
      sourcemap: true,
      sourcesContent: false,
      banner: { js: ESM_REQUIRE_SHIM },
      logLevel: 'silent',
      alias: existsSync(resolve(root, 'functions/infra/lambda-credentials.ts'))
        ? {
            '@aws-sdk/credential-provider-node': resolve(
              root,
              'functions/infra/lambda-credentials.ts',
            ),
            semver: resolve(root, 'functions/infra/lambda-semver.ts'),
          }
        : {},
    });
    writeFileSync(join(out, name, 'package.json'), '{"type":"module"}');
    figures.push({ name, bytes: statSync(outfile).size, coldImportMs: coldImportMs(outfile) });
  }
  return figures;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const at = process.argv.indexOf('--root');
  const root = at > 0 ? resolve(process.argv[at + 1]!) : process.cwd();
  for (const f of await benchBundles(root)) {
    console.log(
      `${f.name.padEnd(14)} ${(f.bytes / 1024).toFixed(0).padStart(5)} KB  cold import ${f.coldImportMs.toFixed(1).padStart(6)} ms`,
    );
  }
}
