import { withDeadline } from '../../core/concurrency';
import { NULL_BODY_STATUSES, requestWhole, type WholeRequest } from './node-transport';
import { ProviderError } from '../../core/errors';
import { parseRetryAfter } from '../../core/retry';

import type { SecretValues } from '../../core/secrets';

/**
 * The HTTP plumbing every REST provider client shares, so each client holds only what is its
 * own (paths, auth headers, answer schemas) and all of them fail the same way: a
 * ProviderError with the HTTP status (and Retry-After) when the provider answered, without a
 * status when it could not be reached, so the relay's retry policy can tell a refusal from an
 * outage. Messages never carry credentials, tokens or response bodies.
 */

/** A send or a token exchange is one small request; anything slower is treated as an outage. */
export const PROVIDER_REQUEST_TIMEOUT_MS = 10_000;

/** A provider's config, or the reason it has none (what an adapter reports and a 503 shows). */
export type ProviderConfigResult<Config> =
  { config: Config; unavailable?: undefined } | { config?: undefined; unavailable: string };

/** The one wording of "not configured", so every adapter's reason reads alike. */
export function notConfiguredReason(provider: string, detail: string): string {
  return `${provider} is not configured: ${detail}`;
}

/**
 * Reads settings by name. Secrets Manager values win; plain environment values are the
 * fallback (the local runtime); an empty string counts as unset. Every missing required name
 * is listed at once, so one deploy fixes them all.
 */
export function readProviderSettings<Required extends string, Optional extends string = never>(
  provider: string,
  required: readonly Required[],
  secrets: SecretValues,
  env: NodeJS.ProcessEnv,
  options: { optional?: readonly Optional[]; joinMissing?: string } = {},
): ProviderConfigResult<Record<Required, string> & Partial<Record<Optional, string>>> {
  const names = [...required, ...(options.optional ?? [])];
  const values = Object.fromEntries(
    names.flatMap((name) => {
      const value = secrets[name] || env[name];
      return value ? [[name, value]] : [];
    }),
  ) as Partial<Record<Required | Optional, string>>;
  const missing = required.filter((name) => !values[name]);
  if (missing.length > 0) {
    const list = missing.join(options.joinMissing ?? ', ');
    return { unavailable: notConfiguredReason(provider, `${list} missing`) };
  }
  return { config: values as Record<Required, string> & Partial<Record<Optional, string>> };
}

/**
 * An http(s) base URL (origin plus any path prefix) without a trailing slash, so call paths
 * are appended as `${base}/path`. Any other scheme is refused: the bridge sends credentials
 * there.
 */
export function httpBaseUrl(
  provider: string,
  name: string,
  rawUrl: string,
): ProviderConfigResult<string> {
  const url = URL.canParse(rawUrl) ? new URL(rawUrl) : undefined;
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
    return { unavailable: notConfiguredReason(provider, `${name} is not an http(s) URL`) };
  }
  return { config: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}

/**
 * The same response with its body already read, so nothing is left to wait for; a body still
 * coming when `signal` aborts fails the read, whatever fetch carried it.
 */
async function readWhole(response: Response, signal: AbortSignal): Promise<Response> {
  const aborted = new Promise<never>((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
  );
  aborted.catch(() => undefined);
  const body = await Promise.race([response.arrayBuffer(), aborted]);
  return new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Drains an unread body so the connection is reused; its content is shown to no one. */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

export interface ProviderRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers: Record<string, string>;
  /** Sent as JSON (with its content type) when present. */
  body?: unknown;
  /** Ends the request; defaults to the client's timeout. A long-lived stream passes its own. */
  signal?: AbortSignal;
}

export interface ProviderHttp {
  /** The provider's answer, whatever its status; only an unreachable provider throws. */
  call(action: string | undefined, path: string, init: ProviderRequest): Promise<Response>;
  /** `call`, but an answer that is not 2xx throws its `refusal`. */
  callOk(action: string, path: string, init: ProviderRequest): Promise<Response>;
  /** The ProviderError for an answer that is not 2xx: its status and Retry-After. */
  refusal(action: string, response: Response): Promise<ProviderError>;
}

/**
 * Calls to one provider's REST base. `action` completes "could not be reached to ..." and
 * "refused to ..."; a call without one (the token minters) says only "could not be reached".
 */
export function createProviderHttp(options: {
  provider: string;
  baseUrl: string;
  /** Calls go through this instead (tests); by default node:http, streams through fetch. */
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
}): ProviderHttp {
  const { provider, baseUrl } = options;
  const injected = options.fetch;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? PROVIDER_REQUEST_TIMEOUT_MS;

  const http: ProviderHttp = {
    async call(action, path, init) {
      const url = `${baseUrl}${path}`;
      const request: WholeRequest = {
        method: init.method,
        headers: {
          ...init.headers,
          ...(init.body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
      };
      try {
        // A long-lived stream brings its own signal and is read as it comes.
        if (init.signal) {
          return await (injected ?? fetch)(url, { ...request, signal: init.signal });
        }
        // Anything else is read whole within the deadline, which then ends (withDeadline).
        return await withDeadline(timeoutMs, async (signal) =>
          injected
            ? readWhole(await injected(url, { ...request, signal }), signal)
            : requestWhole(url, request, signal),
        );
      } catch (error) {
        const purpose = action === undefined ? '' : ` to ${action}`;
        throw new ProviderError(`${provider} could not be reached${purpose}`, undefined, {
          cause: error,
        });
      }
    },

    async callOk(action, path, init) {
      const response = await http.call(action, path, init);
      if (!response.ok) throw await http.refusal(action, response);
      return response;
    },

    async refusal(action, response) {
      await discardBody(response);
      return new ProviderError(
        `${provider} refused to ${action}: HTTP ${response.status}`,
        response.status,
        { retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()) },
      );
    },
  };
  return http;
}

/** A bot token and the epoch ms after which a new one is fetched before the next call. */
export interface CachedToken {
  token: string;
  refreshAt: number;
}

/**
 * When to fetch a new token: `renewBeforeMs` before it expires, or at half its life when it
 * lives shorter than twice that, so a short-lived token is not fetched again on every call.
 */
export function tokenRefreshAt(issuedAt: number, expiresAt: number, renewBeforeMs: number): number {
  return expiresAt - Math.max(0, Math.min(renewBeforeMs, (expiresAt - issuedAt) / 2));
}

export interface TokenCache {
  /** The token to use, and whether it came from the cache (only then is a 401 retried). */
  get(): Promise<{ token: string; fromCache: boolean }>;
  /** Forgets `token` if it is still the cached one; a newer token is kept. */
  invalidate(token: string): void;
  /**
   * Runs one authenticated call. A 401 on a cached token (revoked, or expired early) drops
   * that token and retries once with a new one; a 401 on a fresh token is the answer.
   */
  withToken(attempt: (token: string) => Promise<Response>): Promise<Response>;
}

/**
 * A bot token kept between calls. Concurrent callers share one in-flight exchange, so a burst
 * of deliveries signs the bot in once; a failed exchange is not cached, so the next call
 * tries again.
 */
export function createTokenCache(options: {
  fetchToken: () => Promise<CachedToken>;
  now: () => number;
}): TokenCache {
  let cached: CachedToken | undefined;
  let exchange: Promise<CachedToken> | undefined;

  const cache: TokenCache = {
    async get() {
      if (cached && options.now() < cached.refreshAt) {
        return { token: cached.token, fromCache: true };
      }
      exchange ??= options
        .fetchToken()
        .then((fresh) => {
          cached = fresh;
          return fresh;
        })
        .finally(() => {
          exchange = undefined;
        });
      return { token: (await exchange).token, fromCache: false };
    },

    invalidate(token) {
      // Only drop the token the failed call used: a concurrent call may have cached a newer one.
      if (cached?.token === token) cached = undefined;
    },

    async withToken(attempt) {
      const first = await cache.get();
      const response = await attempt(first.token);
      if (response.status !== 401 || !first.fromCache) return response;
      await discardBody(response);
      cache.invalidate(first.token);
      return attempt((await cache.get()).token);
    },
  };
  return cache;
}
