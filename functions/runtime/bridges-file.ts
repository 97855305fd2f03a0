import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseBridgesConfig, type Bridges } from '../core/bridges';
import { parseBridgeRules, type BridgeRule } from '../core/bridge-rules';
import { ConfigError } from '../core/errors';
import { PROVIDERS } from '../providers';

/** The bridges file: static bridges (seeded into the bridges table) and on-demand rules. */
export interface BridgesDocument {
  bridges: Bridges;
  rules: BridgeRule[];
}

/** BRIDGES_FILE is resolved against the Lambda task root on AWS and the cwd locally. */
export function loadBridgesFile(env: NodeJS.ProcessEnv = process.env): Bridges {
  return loadBridgesDocument(env).bridges;
}

export function loadBridgesDocument(env: NodeJS.ProcessEnv = process.env): BridgesDocument {
  const file = env.BRIDGES_FILE || 'bridges.json';
  const base = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const path = isAbsolute(file) ? file : resolve(base, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`BRIDGES_FILE: cannot read ${path}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`BRIDGES_FILE: ${path} is not valid JSON`, { cause: error });
  }
  return {
    bridges: parseBridges(json, file),
    rules: parseBridgeRules(json, PROVIDERS.channelIdFormats(), file, PROVIDERS.channelCreation()),
  };
}

/** Validate a bridges document against the registered providers' channel formats. */
export function parseBridges(input: unknown, source = 'bridges.json'): Bridges {
  return parseBridgesConfig(
    input,
    PROVIDERS.channelIdFormats(),
    source,
    PROVIDERS.channelCreation(),
  );
}
