import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseBridges } from '../../functions/runtime/bridges-file';

/** The repository's own bridges.json, as every test that needs bridges reads it. */
export const TEST_BRIDGES = parseBridges(
  JSON.parse(readFileSync(resolve(import.meta.dirname, '../../bridges.json'), 'utf8')),
);
