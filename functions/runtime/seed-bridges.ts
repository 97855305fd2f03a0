import type { Bridges } from '../core/bridges';
import type { BridgeStore, SeedOutcome } from '../core/bridge-store';
import { bridgeFileHash } from '../definitions/bridge-seed';

/**
 * Seed the bridges table from the bridges file (`npm start`; on AWS the stack's custom
 * resource makes the same write). A bridge is written only when the file's version of it
 * differs from the one last seeded, so operators' changes survive restarts.
 */
export async function seedBridges(
  store: BridgeStore,
  bridges: Bridges,
  now = new Date(),
): Promise<Record<SeedOutcome, string[]>> {
  const outcome: Record<SeedOutcome, string[]> = { written: [], kept: [] };
  for (const bridge of bridges.all()) {
    outcome[await store.seed(bridge, bridgeFileHash(bridge), now)].push(bridge.id);
  }
  return outcome;
}
