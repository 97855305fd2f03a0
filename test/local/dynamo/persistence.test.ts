import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { eventually, startTestBridge, temporaryFolder, type TestBridge } from '../local-bridge';

async function putMarker(bridge: TestBridge) {
  await bridge.dynamo.send(
    new PutItemCommand({
      TableName: bridge.tableNames.STATE_TABLE,
      Item: { pk: { S: 'marker' }, sk: { S: 'kept?' } },
    }),
  );
}

async function readMarker(bridge: TestBridge) {
  const { Item } = await bridge.dynamo.send(
    new GetItemCommand({
      TableName: bridge.tableNames.STATE_TABLE,
      Key: { pk: { S: 'marker' }, sk: { S: 'kept?' } },
    }),
  );
  return Item;
}

const secretOf = (bridge: TestBridge) =>
  bridge.devSecrets.find((secret) => secret.name === 'APP_JWT_SECRET')!;

describe('local runtime data folder', () => {
  it('keeps data and the generated dev secrets across a restart with the same folder', async () => {
    const data = temporaryFolder();
    try {
      const first = await startTestBridge({ dataDir: data.path, streamConsumers: [] });
      await putMarker(first);
      const firstSecret = secretOf(first);
      await first.close();

      const second = await startTestBridge({ dataDir: data.path, streamConsumers: [] });
      const item = await readMarker(second);
      const secondSecret = secretOf(second);
      await second.close();

      expect(item).toEqual({ pk: { S: 'marker' }, sk: { S: 'kept?' } });
      expect(firstSecret.source).toBe('generated');
      expect(secondSecret).toEqual({ ...firstSecret, source: 'data folder' });
      expect(readdirSync(data.path).sort()).toEqual(
        expect.arrayContaining(['dev-secrets.json', 'dynamo']),
      );
    } finally {
      data.remove();
    }
  });

  it('--memory keeps nothing: a restart starts empty with new dev secrets', async () => {
    const first = await startTestBridge({ memory: true, streamConsumers: [] });
    await putMarker(first);
    const firstSecret = secretOf(first);
    await first.close();

    const second = await startTestBridge({ memory: true, streamConsumers: [] });
    const item = await readMarker(second);
    const secondSecret = secretOf(second);
    await second.close();

    expect(item).toBeUndefined();
    expect(first.dataDir).toBeUndefined();
    expect(secondSecret.value).not.toBe(firstSecret.value);
  });

  it('prefers secrets from the environment and restores process.env on close', async () => {
    const before = process.env.APP_JWT_SECRET;
    const bridge = await startTestBridge({
      memory: true,
      streamConsumers: [],
      env: { APP_JWT_SECRET: 'from-env' },
    });
    const during = process.env.APP_JWT_SECRET;
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    await bridge.close();

    expect(secretOf(bridge)).toEqual({
      name: 'APP_JWT_SECRET',
      value: 'from-env',
      source: 'environment',
    });
    expect(during).toBe('from-env');
    expect(endpoint).toBe(bridge.dynamoEndpoint);
    expect(process.env.APP_JWT_SECRET).toBe(before);
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined();
  });
});

describe('local runtime data folder lock', () => {
  it('refuses a second runtime on the same data folder with a clear message', async () => {
    const data = temporaryFolder();
    const first = await startTestBridge({ dataDir: data.path, streamConsumers: [] });
    try {
      const second = startTestBridge({ dataDir: data.path, streamConsumers: [] });

      await expect(second).rejects.toThrow(/is in use by another local runtime \(pid \d+\)/);
    } finally {
      await first.close();
    }
    const third = await startTestBridge({ dataDir: data.path, streamConsumers: [] });
    await third.close();
    data.remove();
  });
});

describe('local runtime data folder lock left by a killed runtime', () => {
  /** A process killed but never reaped (its parent does not wait): what a SIGKILL leaves. */
  async function zombie(): Promise<{ pid: number; parent: ChildProcess }> {
    const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 60'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = await new Promise<number>((resolvePid) =>
      parent.stdout.once('data', (data: Buffer) => resolvePid(Number(String(data).trim()))),
    );
    // Only once the shell has become `sleep` (which never reaps) may the child die: a shell
    // still running could reap it first, and there would be no zombie to test against.
    await eventually('the parent exec', () =>
      readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim() === 'sleep' ? true : undefined,
    );
    process.kill(pid, 'SIGKILL');
    await eventually('the zombie', () => /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));
    return { pid, parent };
  }

  it('takes over a lock whose owner was killed and not yet reaped', async () => {
    // Prepare
    const data = temporaryFolder();
    const dead = await zombie();
    writeFileSync(join(data.path, 'runtime.lock'), String(dead.pid));
    try {
      // Act
      const bridge = await startTestBridge({ dataDir: data.path, streamConsumers: [] });
      // Assess
      expect(JSON.parse(readFileSync(join(data.path, 'runtime.lock'), 'utf8'))).toMatchObject({
        pid: process.pid,
      });
      await bridge.close();
    } finally {
      dead.parent.kill('SIGKILL');
      data.remove();
    }
  });

  it('takes over a lock whose pid now belongs to another process', async () => {
    // Prepare: the pid is alive, but started after the lock was written.
    const data = temporaryFolder();
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    writeFileSync(
      join(data.path, 'runtime.lock'),
      JSON.stringify({ pid: other.pid, started: '1' }),
    );
    try {
      // Act
      const bridge = await startTestBridge({ dataDir: data.path, streamConsumers: [] });
      // Assess
      expect(bridge.dataDir).toBe(data.path);
      await bridge.close();
    } finally {
      other.kill('SIGKILL');
      data.remove();
    }
  });
});
