import jwt from 'jsonwebtoken';
import type { WebhookRequest } from '../../../functions/core/inbound';
import { fixture } from '../../support/harness';

export interface PingstreamsFixture {
  subscriptionSecret: string;
  headers: Record<string, string>;
  body: { hook: { _id: string; [key: string]: unknown }; token?: string; [key: string]: unknown };
}

export const PROJECT_ID = '65f1c0ffee0000000000abcd';
export const REQUEST_ID = 'support-group-65f1c0ffee0000000000abcd-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b';

export function pingstreamsFixture(name: string): PingstreamsFixture {
  return fixture<PingstreamsFixture>(`pingstreams/${name}`);
}

/**
 * The body token as tiledesk-server's subscriptionNotifier signs it: the hook as claims,
 * `sub: subscription`, `aud: <server>/subscriptions/<hook _id>`, HS256 with the secret.
 */
export function subscriptionToken(
  hook: { _id: string; [key: string]: unknown },
  secret: string,
  overrides: jwt.SignOptions = {},
): string {
  return jwt.sign({ ...hook }, secret, {
    algorithm: 'HS256',
    issuer: 'https://tiledesk.com',
    subject: 'subscription',
    audience: `https://tiledesk.com/subscriptions/${hook._id}`,
    ...overrides,
  });
}

/** An unsigned token (`alg: none`), which jsonwebtoken will not produce with a secret. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/** A delivery as Pingstreams sends it: with `x-hook-secret`, or (`via: 'token'`) without. */
export function pingstreamsDelivery(
  name: string,
  options: { via?: 'header' | 'token'; token?: string; headerSecret?: string } = {},
): WebhookRequest {
  const { body, headers, subscriptionSecret } = pingstreamsFixture(name);
  const token = options.token ?? subscriptionToken(body.hook, subscriptionSecret);
  const signed = { ...body, token };
  const { 'x-hook-secret': fromFixture, ...otherHeaders } = headers;
  const sent =
    options.via === 'token'
      ? otherHeaders
      : { ...otherHeaders, 'x-hook-secret': options.headerSecret ?? fromFixture };
  return { headers: sent, query: {}, rawBody: JSON.stringify(signed), body: signed };
}
