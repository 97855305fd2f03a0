import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const SOURCE = fileURLToPath(new URL('../../console/src/', import.meta.url));

/**
 * The console as one self-contained HTML page: the browser bundle (the client library and the
 * page's script) and the stylesheet inline, so one GET serves it on AWS and locally alike.
 */
export async function buildConsolePage(): Promise<string> {
  const [bundle, template, style] = await Promise.all([
    build({
      entryPoints: [`${SOURCE}main.ts`],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    }),
    readFile(`${SOURCE}index.html`, 'utf8'),
    readFile(`${SOURCE}console.css`, 'utf8'),
  ]);
  // Inside an inline script, `</script` would end it early.
  const script = bundle.outputFiles[0]!.text.trim().replaceAll('</script', '<\\/script');
  return template.replace('/*__STYLE__*/', () => style).replace('/*__SCRIPT__*/', () => script);
}

let cached: Promise<string> | undefined;

/** Built once per process: every local runtime a test starts serves the same page. */
export function consolePage(): Promise<string> {
  cached ??= buildConsolePage();
  return cached;
}

let written: Promise<string> | undefined;

/**
 * The page as a file for the Console handler (CONSOLE_PAGE_FILE), as the stack bundles it
 * beside the handler on AWS. One file per process: the page is the same for every runtime.
 */
export function writeConsolePage(): Promise<string> {
  written ??= consolePage().then(async (html) => {
    const file = join(tmpdir(), `chat-bridge-console-${process.pid}.html`);
    await writeFile(file, html);
    return file;
  });
  return written;
}
