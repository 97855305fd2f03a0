import { join } from 'node:path';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../dynamo/embedded-dynamo';
import type { Closers } from './closers';
import type { LocalSettings } from './options';

/** DynamoDB (dynalite), on disk in the data folder or in memory. */
export async function startDatabase(
  { host, dataDir }: LocalSettings,
  closers: Closers,
): Promise<EmbeddedDynamo> {
  const dynamo = await startEmbeddedDynamo({
    host,
    thread: true,
    ...(dataDir && { path: join(dataDir, 'dynamo') }),
  });
  closers.add(() => dynamo.close());
  return dynamo;
}
