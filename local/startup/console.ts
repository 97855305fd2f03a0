import { writeConsolePage } from '../console/console-page';

/** Builds the console page while the rest starts (esbuild runs in its own process). */
export function buildConsolePage(): Promise<string> {
  const consolePageFile = writeConsolePage();
  consolePageFile.catch(() => undefined);
  return consolePageFile;
}
