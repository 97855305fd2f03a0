import { describe, expect, it } from 'vitest';
import { UnauthorizedError, ValidationError } from '../../../functions/core/errors';
import type { WebhookRequest } from '../../../functions/core/inbound';
import { createTigerConnectWebhookAdapter } from '../../../functions/providers/tigerconnect/webhook';
import { fixture } from '../../support/harness';

const KEY = 'tc-forwarder-key-7f3a9c1e';
const SECRETS = { TIGERCONNECT_WEBHOOK_KEY: KEY, TIGERCONNECT_BOT_USER_ID: 'u-bot' };

function request(query: Record<string, string | undefined>, body: unknown = {}): WebhookRequest {
  return { headers: {}, query, rawBody: JSON.stringify(body), body };
}

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('TigerConnect forwarder webhook: verification', () => {
  it('accepts the configured ?key=', () => {
    const adapter = createTigerConnectWebhookAdapter(SECRETS);

    expect(() => adapter.verify(request({ key: KEY }))).not.toThrow();
  });

  it.each([
    ['a wrong key', { key: 'tc-forwarder-key-7f3a9c1f' }],
    ['a prefix of the key', { key: KEY.slice(0, -1) }],
    ['no key', {}],
    ['an empty key', { key: '' }],
  ])('refuses %s with 401 and no secret in the message', (_, query) => {
    const adapter = createTigerConnectWebhookAdapter(SECRETS);

    const error = thrown(() => adapter.verify(request(query)));

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).status).toBe(401);
    // A fixed message: neither the configured secret nor the caller's guess is echoed.
    expect((error as Error).message).toBe('the webhook key is missing or wrong');
  });

  it.each([
    ['not configured', {}],
    ['configured empty', { TIGERCONNECT_WEBHOOK_KEY: '' }],
  ])('refuses every delivery when the key is %s', (_, secrets) => {
    const adapter = createTigerConnectWebhookAdapter(secrets);

    expect(() => adapter.verify(request({ key: '' }))).toThrow(UnauthorizedError);
    expect(() => adapter.verify(request({ key: 'anything' }))).toThrow(UnauthorizedError);
    expect(() => adapter.verify(request({}))).toThrow(UnauthorizedError);
  });

  it('does not take the key from a header', () => {
    const adapter = createTigerConnectWebhookAdapter(SECRETS);

    expect(() =>
      adapter.verify({ headers: { 'x-key': KEY, key: KEY }, query: {}, rawBody: '{}', body: {} }),
    ).toThrow(UnauthorizedError);
  });
});

describe('TigerConnect forwarder webhook: parse and normalize', () => {
  it('takes one record as the body', () => {
    const adapter = createTigerConnectWebhookAdapter(SECRETS);

    const records = adapter.parse(fixture('tigerconnect/sse-message-event.json'));

    expect(records.map((record) => record.event_id)).toEqual([
      '00000000-1111-2222-3333-444444444444',
    ]);
  });

  it('takes a batch in {events: [...]} and normalizes every record', () => {
    const adapter = createTigerConnectWebhookAdapter(SECRETS);

    const normalized = adapter.normalize(
      adapter.parse(fixture('tigerconnect/forwarder-batch.json')),
    );

    expect(normalized.events.map((event) => event.message?.text)).toEqual([
      'first of two',
      'second of two',
    ]);
    expect(normalized.ignored.map((item) => item.kind)).toEqual([
      'client_advisory',
      'client_advisory',
    ]);
  });

  it('uses the configured bot identity to find the conversation partner', () => {
    const adapter = createTigerConnectWebhookAdapter(SECRETS);

    const normalized = adapter.normalize(
      adapter.parse(fixture('tigerconnect/sse-message-to-bot.json')),
    );

    expect(normalized.events[0]?.channel.id).toBe('u-def');
  });

  it.each([
    ['tigerconnect/sse-message-wrong-types.json', 'event.tigertext:iq:message.body'],
    ['tigerconnect/sse-missing-event-id.json', 'event_id'],
  ])('refuses %s naming %s', (name, field) => {
    const adapter = createTigerConnectWebhookAdapter(SECRETS);

    const error = thrown(() => adapter.parse(fixture(name)));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
  });

  it.each([
    [{ events: [] }, 'events'],
    [{ events: 'nope' }, 'events'],
    [{ events: [{ event_id: 'e-1', event: {} }, { event: {} }] }, 'events.0.event'],
    [[], 'event_id'],
    ['text', undefined],
    [null, undefined],
  ])('refuses the body %j', (body, field) => {
    const adapter = createTigerConnectWebhookAdapter(SECRETS);

    const error = thrown(() => adapter.parse(body));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
  });
});
