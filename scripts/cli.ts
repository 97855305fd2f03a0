/** What the `npm run <script>` tools share: flags with their usage, and finding `npm start`. */
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_DATA_DIR } from '../local/tooling/dev-config';
import { readRuntimeFile, runtimeFilePath, type RuntimeInfo } from '../local/tooling/runtime-file';

export function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

/**
 * The script's flags (`config.options` should hold `help`): a bad one exits 2 with the usage,
 * `--help` prints the usage and exits 0.
 */
export function parseScriptArgs<T extends ParseArgsConfig>(config: T, usage: string) {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage}`, 2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}

/** The running `npm start` of the data folder (`--data`, LOCAL_DATA_DIR or the default). */
export function runningRuntime(dataFlag: string | undefined): {
  file: string;
  running: RuntimeInfo | undefined;
} {
  const dataDir = resolve(dataFlag ?? (process.env.LOCAL_DATA_DIR || DEFAULT_DATA_DIR));
  return { file: runtimeFilePath(dataDir), running: readRuntimeFile(dataDir) };
}
