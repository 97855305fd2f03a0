import { mkdirSync } from 'node:fs';
import { lockDataFolder } from '../dynamo/data-lock';
import type { Closers } from './closers';
import type { LocalSettings } from './options';

/** One runtime per data folder: creates and locks it (nothing to do in memory). */
export async function lockData({ dataDir }: LocalSettings, closers: Closers): Promise<void> {
  if (!dataDir) return;
  mkdirSync(dataDir, { recursive: true });
  closers.add(await lockDataFolder(dataDir));
}
