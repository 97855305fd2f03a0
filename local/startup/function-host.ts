import { FunctionHost } from '../lambda/function-host';
import type { LocalSettings } from './options';

/**
 * The Lambda host, holding invocations until markReady (the handlers' environment and runtime
 * come last). Every route and stream consumer must name a function it defines.
 */
export function createFunctionHost(settings: LocalSettings) {
  const { options, region, log } = settings;
  let markReady!: () => void;
  const ready = new Promise<void>((resolveReady) => (markReady = resolveReady));
  const functionHost = new FunctionHost({
    definitions: options.functions,
    modules: options.modules,
    region,
    log,
    ready,
  });
  const { httpRoutes, wsRoutes, streamConsumers } = settings;
  for (const route of [...httpRoutes, ...wsRoutes, ...streamConsumers]) {
    if (!functionHost.has(route.function)) {
      throw new Error(
        `a route or stream consumer names "${route.function}", which FUNCTIONS does not define`,
      );
    }
  }
  return { functionHost, markReady };
}
