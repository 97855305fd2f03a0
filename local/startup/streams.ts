import type { EmbeddedDynamo } from '../dynamo/embedded-dynamo';
import { startLocalStream, type LocalStream } from '../dynamo/local-stream';
import type { Invoker } from '../lambda/function-host';
import type { Closers } from './closers';
import type { LocalSettings } from './options';

/** The stream-emulating proxy in front of DynamoDB, driving the stream consumers. */
export async function startStreams(
  settings: LocalSettings,
  dynamo: EmbeddedDynamo,
  functionHost: Invoker,
  closers: Closers,
): Promise<LocalStream> {
  const { options, region, host, log, dataDir, streamConsumers } = settings;
  const stream = await startLocalStream({
    dynamo,
    region,
    host,
    log,
    ...(dataDir && { dataDir }),
    streamConsumers,
    ...(options.streamSettings && { streamSettings: options.streamSettings }),
    invoke: (name, event) => functionHost.invoke(name, event),
    ...(options.streamRetryDelayMs !== undefined && {
      retryDelayMs: options.streamRetryDelayMs,
    }),
    ...(options.drainTimeoutMs !== undefined && { drainTimeoutMs: options.drainTimeoutMs }),
  });
  closers.add(() => stream.close());
  return stream;
}
