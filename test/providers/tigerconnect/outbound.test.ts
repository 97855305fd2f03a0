import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotConfiguredError, ProviderError } from '../../../functions/core/errors';
import type { DeliveryTarget, OutboundMessage } from '../../../functions/core/outbound';
import type { CommonEvent } from '../../../functions/core/event';
import { relayEventTo, type RelayDeps } from '../../../functions/core/relay';
import type { DeadLetter } from '../../../functions/core/relay';
import { isRetryable } from '../../../functions/core/retry';
import { DynamoRelayState } from '../../../functions/infra/dynamo-relay-state';
import { createTigerConnectOutboundAdapter } from '../../../functions/providers/tigerconnect/outbound';
import { startFakeTigerConnect, type FakeTigerConnect } from '../../support/fake-tigerconnect';
import { startHarness, type Harness } from '../../support/harness';

const TARGET: DeliveryTarget = { provider: 'tigerconnect', channel: 'u-def', mode: 'message' };

const MESSAGE: OutboundMessage = {
  text: '[pingstreams] Ana: hi',
  attachments: [],
  sender: { id: 'ana', displayName: 'Ana' },
  marker: {
    origin: 'pingstreams',
    eventId: 'pingstreams-Q2xhdWRlQnJpZGdlRXhhbXBsZTAx',
    originMessageId: '6634f0c2a1b2c3d4e5f60718',
  },
};

describe('TigerConnect outbound adapter', () => {
  let fake: FakeTigerConnect;
  beforeEach(async () => {
    fake = await startFakeTigerConnect();
  });
  afterEach(() => fake.close());

  const adapterFor = (secrets: Record<string, string> = fake.env) =>
    createTigerConnectOutboundAdapter({ env: {}, secrets });

  it('posts the text to the channel as recipient with the echo marker, and returns TT-X-Message-Id', async () => {
    const adapter = adapterFor();

    const result = await adapter.send(TARGET, MESSAGE);

    expect(fake.messages).toHaveLength(1);
    expect(result.messageId).toBe(fake.messages[0]?.messageId);
    expect(fake.messages[0]?.body).toEqual({
      body: '[pingstreams] Ana: hi',
      recipient: 'u-def',
      data: [
        {
          namespace: 'bridge:origin',
          mimetype: 'application/json',
          payload:
            '{"provider":"pingstreams","orig_id":"6634f0c2a1b2c3d4e5f60718","event":"pingstreams-Q2xhdWRlQnJpZGdlRXhhbXBsZTAx"}',
        },
      ],
    });
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v2/message', authorized: true });
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.apiKey}:${fake.apiSecret}`).toString('base64')}`,
    );
    expect(request?.headers['content-type']).toBe('application/json');
  });

  it('keeps unicode text intact', async () => {
    const text = 'Olá, 世界! 👩🏽‍⚕️ café — naïve 🚑';

    await adapterFor().send(TARGET, { ...MESSAGE, text });

    expect(fake.messages[0]?.body.body).toBe(text);
  });

  it('turns a 429 into a retryable ProviderError carrying Retry-After', async () => {
    fake.failNextSends(1, { status: 429, retryAfter: '7' });

    const error = await adapterFor()
      .send(TARGET, MESSAGE)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerStatus: 429, retryAfterMs: 7000 });
    expect(isRetryable(error)).toBe(true);
    expect(fake.messages).toHaveLength(0);
  });

  it('turns a 503 into a retryable ProviderError', async () => {
    fake.failNextSends(1, { status: 503 });

    const error = await adapterFor()
      .send(TARGET, MESSAGE)
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ providerStatus: 503, retryAfterMs: undefined });
    expect(isRetryable(error)).toBe(true);
  });

  it('turns refused credentials (401) into a permanent ProviderError that names no secret', async () => {
    const adapter = adapterFor({ ...fake.env, TIGERCONNECT_API_SECRET: 'wrong-secret' });

    const error = await adapter.send(TARGET, MESSAGE).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerStatus: 401 });
    expect(isRetryable(error)).toBe(false);
    expect((error as Error).message).not.toContain('wrong-secret');
    expect(fake.requests[0]?.authorized).toBe(false);
  });

  it('reports an unreachable TigerConnect as a retryable ProviderError without status', async () => {
    const adapter = adapterFor();
    await fake.close();

    const error = await adapter.send(TARGET, MESSAGE).catch((caught: unknown) => caught);
    fake = await startFakeTigerConnect(); // for afterEach

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ providerStatus: undefined });
    expect(isRetryable(error)).toBe(true);
  });

  it('fails permanently when the 2xx answer lacks TT-X-Message-Id (a retry would post twice)', async () => {
    const adapter = createTigerConnectOutboundAdapter({
      env: {},
      secrets: fake.env,
      fetch: async () => new Response(null, { status: 204 }),
    });

    const error = await adapter.send(TARGET, MESSAGE).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect(isRetryable(error)).toBe(false);
  });

  it('reads the credentials from the environment when the secrets do not hold them', async () => {
    const adapter = createTigerConnectOutboundAdapter({ env: fake.env, secrets: {} });

    await adapter.send(TARGET, MESSAGE);

    expect(adapter.unavailableReason()).toBeUndefined();
    expect(fake.messages).toHaveLength(1);
  });

  it('is unavailable, naming what is missing, without key and secret', async () => {
    const adapter = createTigerConnectOutboundAdapter({
      env: {},
      secrets: { TIGERCONNECT_API_URL: fake.url, TIGERCONNECT_API_KEY: fake.apiKey },
    });

    expect(adapter.unavailableReason()).toBe(
      'tigerconnect is not configured: TIGERCONNECT_API_SECRET missing',
    );
    await expect(adapter.send(TARGET, MESSAGE)).rejects.toThrow(NotConfiguredError);
    expect(fake.requests).toHaveLength(0);
  });

  it('is unavailable when TIGERCONNECT_API_URL is not an http(s) URL', () => {
    const adapter = adapterFor({ ...fake.env, TIGERCONNECT_API_URL: 'ftp://tigertext.example' });

    expect(adapter.unavailableReason()).toBe(
      'tigerconnect is not configured: TIGERCONNECT_API_URL is not an http(s) URL',
    );
  });

  it('declares send only: no edits, deletes, attachments, replies or looking for copies, 4000 code points', () => {
    expect(adapterFor().capabilities(TARGET)).toEqual({
      send: true,
      edit: false,
      delete: false,
      attachments: false,
      replies: false,
      maxTextLength: 4000,
      findSent: false,
    });
    expect(adapterFor().findSent).toBeUndefined();
  });
});

describe('TigerConnect outbound adapter under the relay', () => {
  let fake: FakeTigerConnect;
  let harness: Harness;
  let sleeps: number[];
  let letters: DeadLetter[];
  let deps: RelayDeps;
  const event: CommonEvent = {
    specversion: '1.0',
    id: 'gitple-evt-1012',
    source: 'chat-bridge/gitple',
    type: 'chat.message.created',
    subject: 'support',
    time: '2024-05-02T10:00:05.000Z',
    datacontenttype: 'application/json',
    data: {
      provider: 'gitple',
      channel: { id: 'room-7' },
      sender: { id: 'user-42', displayName: 'Ana' },
      message: { id: '1012', text: 'hello', attachments: [] },
    },
  };

  beforeEach(async () => {
    fake = await startFakeTigerConnect();
    harness = await startHarness();
    sleeps = [];
    letters = [];
    deps = {
      bridges: harness.runtime.bridges,
      adapters: {
        tigerconnect: createTigerConnectOutboundAdapter({ env: {}, secrets: fake.env }),
      },
      state: new DynamoRelayState(harness.dynamo.client, harness.dynamo.tableNames.STATE_TABLE!),
      broadcaster: { broadcast: async () => ({ sent: 0, gone: 0, failed: 0 }) },
      deadLetters: { park: async (letter) => void letters.push(letter) },
      metrics: harness.metrics,
      log: harness.runtime.log,
      sleep: async (ms) => void sleeps.push(ms),
    };
  });
  afterEach(async () => {
    await harness.close();
    await fake.close();
  });

  it('waits out a 429 Retry-After and delivers once, recording the TigerConnect message id', async () => {
    fake.failNextSends(1, { status: 429, retryAfter: '2' });

    const record = await relayEventTo({ event, echo: false }, TARGET, deps);

    expect(sleeps).toEqual([2000]);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]?.body.body).toBe('[gitple] Ana: hello');
    expect(record).toMatchObject({
      status: 'delivered',
      attempts: 2,
      targetMessageId: fake.messages[0]?.messageId,
    });
  });

  it('parks a refused delivery in the dead-letter queue without retrying', async () => {
    fake.failNextSends(1, { status: 400 });

    const record = await relayEventTo({ event, echo: false }, TARGET, deps);

    expect(record.status).toBe('failed');
    expect(sleeps).toEqual([]);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.error).toContain('HTTP 400');
  });
});
