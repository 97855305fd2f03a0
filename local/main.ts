import './tooling/sdk-node-warning';
import { bannerJson, bannerLines } from './tooling/banner';
import { startLocalBridge } from './bridge';
import { parseCliArgs, USAGE } from './tooling/cli-args';
import { resolve } from 'node:path';
import { loadDotEnv } from './tooling/dev-config';
import { removeRuntimeFile, writeRuntimeFile } from './tooling/runtime-file';
import { createLocalLog, errorChain } from './tooling/log';

/** `npm start`: the whole bridge on loopback, configured from the environment and `.env`. */
async function main(): Promise<void> {
  const parent = process.ppid; // before anything can tell the launcher this process is up
  const envFile = loadDotEnv();
  let cli;
  try {
    cli = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (cli.help) {
    console.log(USAGE);
    return;
  }
  const log = createLocalLog({ quiet: cli.quiet, json: cli.jsonLogs });
  if (envFile) log.info('local', `read ${envFile}`);
  const bridge = await startLocalBridge({
    port: cli.port,
    wsPort: cli.wsPort,
    memory: cli.memory,
    dataDir: cli.dataDir,
    log,
  });
  // Even with --memory: the discovery file is how `npm run token` and `npm run dlq` find this
  // runtime; it goes away at stop.
  const discoveryDir = resolve(cli.dataDir);
  writeRuntimeFile(discoveryDir, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    httpUrl: bridge.httpUrl,
    wsUrl: bridge.wsUrl,
    invokeEndpoint: bridge.invokeEndpoint,
    managementEndpoint: bridge.managementEndpoint,
    dynamoEndpoint: bridge.dynamoEndpoint,
    tableNames: bridge.tableNames,
    dataDir: bridge.dataDir ?? null,
    appJwtSecret: bridge.devSecrets.find((secret) => secret.name === 'APP_JWT_SECRET')?.value,
  });
  process.on('exit', () => removeRuntimeFile(discoveryDir));
  if (cli.jsonLogs) console.log(JSON.stringify(bannerJson(bridge)));
  else console.log(bannerLines(bridge).join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.exit(130); // a second Ctrl-C: do not wait
    }
    stopping = true;
    log.info('local', `${signal}: stopping`);
    bridge.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('local', 'shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // `npm start` runs this under the tsx launcher, which cannot pass a SIGKILL on: without this
  // an orphaned runtime would live on, holding the data folder and the ports.
  setInterval(() => {
    if (process.ppid !== parent && !stopping) stop('the launching process exited');
  }, 1000).unref();
}

main().catch((error: unknown) => {
  console.error(`chat-bridge local runtime failed to start: ${errorChain(error)}`);
  process.exit(1);
});
