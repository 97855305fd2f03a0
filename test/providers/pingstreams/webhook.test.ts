import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../../functions/core/errors';
import type { WebhookRequest } from '../../../functions/core/inbound';
import { createPingstreamsWebhookAdapter } from '../../../functions/providers/pingstreams/webhook';
import {
  PROJECT_ID,
  pingstreamsDelivery,
  pingstreamsFixture,
  subscriptionToken,
  unsignedToken,
} from './deliveries';

const { subscriptionSecret: SECRET, body } = pingstreamsFixture('webhook-message-create.json');
const HOOK = body.hook;
const MESSAGE = 'webhook-message-create.json';
const secrets = { PINGSTREAMS_WEBHOOK_SECRET: SECRET };

function refusal(request: WebhookRequest, config: Record<string, string> = secrets): Error {
  try {
    createPingstreamsWebhookAdapter(config).verify(request);
  } catch (error) {
    if (error instanceof UnauthorizedError) return error;
    throw error;
  }
  throw new Error('the delivery was accepted');
}

describe('Pingstreams webhook verification: x-hook-secret', () => {
  it('accepts the subscription secret in x-hook-secret', () => {
    const adapter = createPingstreamsWebhookAdapter(secrets);

    expect(() => adapter.verify(pingstreamsDelivery(MESSAGE))).not.toThrow();
  });

  it('refuses a wrong x-hook-secret without echoing either secret', () => {
    const error = refusal(pingstreamsDelivery(MESSAGE, { headerSecret: 'guess' }));

    expect(error.message).toBe('the Pingstreams x-hook-secret does not match');
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses a wrong x-hook-secret even when the body token is valid', () => {
    const request = pingstreamsDelivery(MESSAGE, { headerSecret: '' });

    expect(refusal(request).message).toContain('x-hook-secret');
  });

  it('refuses everything while PINGSTREAMS_WEBHOOK_SECRET is unset', () => {
    const error = refusal(pingstreamsDelivery(MESSAGE), {});

    expect(error.message).toContain('PINGSTREAMS_WEBHOOK_SECRET is not set');
  });
});

describe('Pingstreams webhook verification: body token (no x-hook-secret)', () => {
  it('accepts a token signed with the secret for this subscription', () => {
    const adapter = createPingstreamsWebhookAdapter(secrets);

    expect(() => adapter.verify(pingstreamsDelivery(MESSAGE, { via: 'token' }))).not.toThrow();
  });

  it('ignores the audience host and the issuer (Pingstreams may rebrand them)', () => {
    const token = subscriptionToken(HOOK, SECRET, {
      audience: `https://api.pingstreams.com/subscriptions/${HOOK._id}`,
      issuer: 'https://pingstreams.com',
    });
    const adapter = createPingstreamsWebhookAdapter(secrets);

    expect(() =>
      adapter.verify(pingstreamsDelivery(MESSAGE, { via: 'token', token })),
    ).not.toThrow();
  });

  it.each([
    ['signed with another secret', subscriptionToken(HOOK, 'not-the-secret'), 'invalid signature'],
    [
      'with alg none',
      unsignedToken({
        ...HOOK,
        sub: 'subscription',
        aud: `https://tiledesk.com/subscriptions/${HOOK._id}`,
      }),
      'not valid',
    ],
    [
      'signed with HS512',
      subscriptionToken(HOOK, SECRET, { algorithm: 'HS512' }),
      'invalid algorithm',
    ],
    [
      'for another subscription',
      subscriptionToken(HOOK, SECRET, {
        audience: 'https://tiledesk.com/subscriptions/6634e9f0b1c2d3e4f5a6ffff',
      }),
      'not for this subscription',
    ],
    [
      'with the id in the host, not the path',
      subscriptionToken(HOOK, SECRET, { audience: `https://${HOOK._id}.example.com/` }),
      'not for this subscription',
    ],
    [
      'with a non-URL audience',
      subscriptionToken(HOOK, SECRET, { audience: `/subscriptions/${HOOK._id}` }),
      'not for this subscription',
    ],
    [
      'with another subject',
      subscriptionToken(HOOK, SECRET, { subject: 'userexternal' }),
      'jwt subject invalid',
    ],
    ['expired', subscriptionToken(HOOK, SECRET, { expiresIn: -10 }), 'not valid'],
    ['that is not a JWT', 'not-a-jwt', 'not valid'],
    [
      'issued 10 minutes ago (older than the 5-minute maximum age)',
      subscriptionToken({ ...HOOK, iat: Math.floor(Date.now() / 1000) - 600 }, SECRET),
      'maxAge exceeded',
    ],
    [
      'without iat (its age cannot be told)',
      subscriptionToken(HOOK, SECRET, { noTimestamp: true }),
      'iat required',
    ],
    [
      'issued 10 minutes in the future',
      subscriptionToken({ ...HOOK, iat: Math.floor(Date.now() / 1000) + 600 }, SECRET),
      'iat is in the future',
    ],
  ])('refuses a token %s', (_what, token, reason) => {
    const error = refusal(pingstreamsDelivery(MESSAGE, { via: 'token', token }));

    expect(error.message).toContain(reason);
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses a delivery with neither header nor token', () => {
    const request = pingstreamsDelivery(MESSAGE, { via: 'token' });
    const { token: _token, ...withoutToken } = request.body as Record<string, unknown>;

    const error = refusal({ ...request, body: withoutToken });

    expect(error.message).toContain('neither x-hook-secret nor token');
  });

  it('refuses a token-only delivery whose body has no hook', () => {
    const request = pingstreamsDelivery(MESSAGE, { via: 'token' });

    expect(refusal({ ...request, body: { token: 'x' } }).message).toContain('no hook');
  });
});

describe('Pingstreams webhook verification: project', () => {
  it('accepts a delivery for PINGSTREAMS_PROJECT_ID', () => {
    const adapter = createPingstreamsWebhookAdapter({
      ...secrets,
      PINGSTREAMS_PROJECT_ID: PROJECT_ID,
    });

    expect(() => adapter.verify(pingstreamsDelivery(MESSAGE))).not.toThrow();
    expect(() => adapter.verify(pingstreamsDelivery(MESSAGE, { via: 'token' }))).not.toThrow();
  });

  it('refuses a delivery for another project, or naming none, when PINGSTREAMS_PROJECT_ID is set', () => {
    const config = { ...secrets, PINGSTREAMS_PROJECT_ID: '65f1c0ffee0000000000ffff' };

    expect(refusal(pingstreamsDelivery(MESSAGE), config).message).toContain('another project');
    expect(
      refusal(pingstreamsDelivery('webhook-message-create-minimal.json'), config).message,
    ).toContain('another project');
  });
});
