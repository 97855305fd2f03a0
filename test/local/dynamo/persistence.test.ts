import { readdirSync } from 'node:fs';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { startTestBridge, temporaryFolder, type TestBridge } from '../local-bridge';

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
