import { createLogger } from '../../functions/core/log';
import type { Metrics } from '../../functions/core/ports';
import { loadBridgesFile } from '../../functions/runtime/bridges-file';
import { logLevelOf } from '../../functions/runtime/config';
import { createRuntime, getRuntime, setRuntime } from '../../functions/runtime/runtime';
import { seedBridges } from '../../functions/runtime/seed-bridges';
import { errorChain, type LocalLog } from '../tooling/log';

/**
 * The handlers' runtime from the environment just set, with their log lines and metrics routed
 * through the local log. A configuration error is reported now and left for the handlers to
 * raise again, exactly as they would on AWS.
 */
export function buildHandlersRuntime(log: LocalLog): string | undefined {
  setRuntime(undefined);
  try {
    const metrics: Metrics = {
      count: (name, dimensions, value = 1) => log.debug('metric', `${name} +${value}`, dimensions),
    };
    setRuntime(
      createRuntime(process.env, {
        log: createLogger(
          { service: 'chat-bridge' },
          { level: logLevelOf(process.env), sink: (line, level) => log.handlerLine(line, level) },
        ),
        metrics,
      }),
    );
    return undefined;
  } catch (error) {
    const message = errorChain(error);
    log.error('config', `the handlers cannot start with this configuration: ${message}`);
    return message;
  }
}

/** Seed the bridges table from the bridges file, as a deploy does on AWS. */
export async function seedBridgesFromFile(log: LocalLog): Promise<string | undefined> {
  const store = getRuntime().bridgeStore;
  if (!store) return undefined;
  try {
    const { written, kept } = await seedBridges(store, loadBridgesFile(process.env));
    // Load the handlers' bridges cache now, as a warm container has it, rather than inside
    // the first request (the IVS review handler has a 200 ms budget).
    await getRuntime().bridgeSource.current();
    log.info(
      'bridges',
      `seeded from the bridges file: ${written.length} written, ${kept.length} kept`,
    );
    return undefined;
  } catch (error) {
    const message = errorChain(error);
    log.error('bridges', `the bridges table could not be seeded: ${message}`);
    return message;
  }
}
