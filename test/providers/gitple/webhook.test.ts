import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../../functions/core/errors';
import type { WebhookRequest } from '../../../functions/core/inbound';
import { createGitpleWebhookAdapter } from '../../../functions/providers/gitple/webhook';
import { fixture } from '../../support/harness';

const KEY = 'g1tple-webhook-key-0123456789';
const { body, headers } = fixture<{ body: unknown; headers: Record<string, string> }>(
  'gitple/webhook-message-send.json',
);

function request(query: Record<string, string | undefined>): WebhookRequest {
  return { headers, query, rawBody: JSON.stringify(body), body };
}

function refusal(secrets: Record<string, string>, query: Record<string, string>): Error {
  try {
    createGitpleWebhookAdapter(secrets).verify(request(query));
  } catch (error) {
    if (error instanceof UnauthorizedError) return error;
    throw error;
  }
  throw new Error('the delivery was accepted');
}

describe('Gitple webhook verification (?key=)', () => {
  it('accepts the configured key', () => {
    const adapter = createGitpleWebhookAdapter({ GITPLE_WEBHOOK_KEY: KEY });

    expect(() => adapter.verify(request({ key: KEY }))).not.toThrow();
  });

  it('refuses a wrong key without echoing either key', () => {
    const error = refusal({ GITPLE_WEBHOOK_KEY: KEY }, { key: `${KEY}x` });

    expect(error.message).toBe('the Gitple webhook key does not match');
    expect(error.message).not.toContain(KEY);
  });

  it('refuses a delivery without ?key=, or with an empty one', () => {
    expect(refusal({ GITPLE_WEBHOOK_KEY: KEY }, {}).message).toContain('?key=');
    expect(refusal({ GITPLE_WEBHOOK_KEY: KEY }, { key: '' }).message).toContain('?key=');
  });

  it('refuses everything while GITPLE_WEBHOOK_KEY is unset or empty', () => {
    expect(refusal({}, { key: KEY }).message).toContain('GITPLE_WEBHOOK_KEY is not set');
    expect(refusal({ GITPLE_WEBHOOK_KEY: '' }, { key: '' }).message).toContain(
      'GITPLE_WEBHOOK_KEY is not set',
    );
  });

  it('does not take the key from a header instead of the query', () => {
    const adapter = createGitpleWebhookAdapter({ GITPLE_WEBHOOK_KEY: KEY });

    expect(() =>
      adapter.verify({ ...request({}), headers: { ...headers, key: KEY, 'x-key': KEY } }),
    ).toThrow(UnauthorizedError);
  });
});
