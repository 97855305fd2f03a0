import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalBridge, type LocalBridge, type LocalBridgeOptions } from '../../local/bridge';
import { createLocalLog } from '../../local/tooling/log';

export interface TestBridge extends LocalBridge {
  /** Every line the local runtime logged. */
  lines: string[];
  /** A real DynamoDB client on the endpoint the handlers use (stream emulation included). */
  dynamo: DynamoDBClient;
}

/** A local bridge on free loopback ports, in memory unless a data folder is given, logging to an array. */
export async function startTestBridge(options: LocalBridgeOptions = {}): Promise<TestBridge> {
  const lines: string[] = [];
  const bridge = await startLocalBridge({
    port: 0,
    wsPort: 0,
    memory: options.dataDir === undefined,
    log: createLocalLog({ json: true, level: 'debug', write: (line) => lines.push(line) }),
    ...options,
  });
  const dynamo = new DynamoDBClient({
    endpoint: bridge.dynamoEndpoint,
    region: bridge.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    ...bridge,
    lines,
    dynamo,
    close: async () => {
      dynamo.destroy();
      await bridge.close();
    },
  };
}

export function temporaryFolder(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'chat-bridge-local-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Poll until `condition` holds, failing with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  condition: () => T | undefined | false,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A function definition for test handlers. */
export function testFunction(timeoutSeconds = 5) {
  return { entry: 'test-only', description: 'test handler', memorySize: 128, timeoutSeconds };
}
