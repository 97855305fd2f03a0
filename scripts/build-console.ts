/**
 * Write the console page to a file: `tsx scripts/build-console.ts <out.html>`. The stack's
 * bundling runs it for the Console function (its handler reads the page beside itself).
 */
import { writeFile } from 'node:fs/promises';
import { buildConsolePage } from '../local/console/console-page';

const out = process.argv[2];
if (!out) {
  console.error('usage: tsx scripts/build-console.ts <out.html>');
  process.exit(2);
}
await writeFile(out, await buildConsolePage());
