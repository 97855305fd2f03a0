import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseBridgesConfig, type Bridges } from '../core/bridges';
import { ConfigError } from '../core/errors';
import { PROVIDERS } from '../providers';

/** BRIDGES_FILE is resolved against the Lambda task root on AWS and the cwd locally. */
export function loadBridgesFile(env: NodeJS.ProcessEnv = process.env): Bridges {
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
  return parseBridges(json, file);
}

/** Validate a bridges document against the registered providers' channel formats. */
export function parseBridges(input: unknown, source = 'bridges.json'): Bridges {
  return parseBridgesConfig(input, PROVIDERS.channelIdFormats(), source);
}
