import middy from '@middy/core';
import { appAuth, requireIdentity, type AuthenticatedEvent } from './http/auth';
import { bodyText, jsonBody, problemErrors, type HttpResult } from './http/middleware';
import { jsonResponse } from './http/problem';
import { appJwtVerifierFor } from './infra/app-jwt';
import { getRuntime, type Runtime } from './runtime/runtime';
import type { TokenClients } from './core/provider-module';
import { createTokenIssuer, type TokenIssuer } from './core/tokens';

/** `POST /tokens/{provider}`: mint a client token for the caller of a verified app JWT. */
export function createTokensHandler(options: { clients?: Partial<TokenClients> } = {}) {
  // One issuer per runtime: minter config is read once, and tests that swap the runtime get a fresh one.
  const issuers = new WeakMap<Runtime, TokenIssuer>();
  const issuerFor = (runtime: Runtime): TokenIssuer => {
    let issuer = issuers.get(runtime);
    if (issuer === undefined) {
      issuer = createTokenIssuer({
        ...runtime,
        ...(options.clients && { clients: options.clients }),
      });
      issuers.set(runtime, issuer);
    }
    return issuer;
  };

  async function issueToken(event: AuthenticatedEvent): Promise<HttpResult> {
    const token = await issuerFor(getRuntime()).issue(
      event.pathParameters?.provider ?? '',
      requireIdentity(event),
      event.jsonBody,
    );
    // A bearer credential: never cached by a browser or proxy.
    return jsonResponse(200, token, { 'cache-control': 'no-store' });
  }

  return middy<AuthenticatedEvent, HttpResult>()
    .use(problemErrors(() => getRuntime().log))
    .use(bodyText())
    .use(appAuth(async () => appJwtVerifierFor(await getRuntime().secrets.load())))
    .use(jsonBody({ optional: true }))
    .handler(issueToken);
}

export const handler = createTokensHandler();
