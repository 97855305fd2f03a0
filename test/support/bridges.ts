import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseBridgesConfig } from '../../functions/core/bridges';

/** The repository's own bridges.json, as every test that needs bridges reads it. */
export const TEST_BRIDGES = parseBridgesConfig(
  JSON.parse(readFileSync(resolve(import.meta.dirname, '../../bridges.json'), 'utf8')),
);
