import { describe, expect, it, vi } from 'vitest';
import { causeSummary } from '../../functions/core/error-cause';
import { ProviderError } from '../../functions/core/errors';
import { isRetryable } from '../../functions/core/retry';
import {
  createProviderHttp,
  createTokenCache,
  httpBaseUrl,
  readProviderSettings,
  tokenRefreshAt,
  type CachedToken,
} from '../../functions/providers/shared/provider-http';

const NOW = Date.parse('2024-05-02T10:00:00.000Z');
const HOUR = 60 * 60_000;

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

interface SeenRequest {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that records what it was asked and answers from a list, in order. */
function recordingFetch(answers: (() => Response)[]) {
  const seen: SeenRequest[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({
      url: String(input),
      method: init?.method,
      headers: { ...(init?.headers as Record<string, string>) },
      body: init?.body as string | undefined,
    });
    const answer = answers.shift();
    if (!answer) throw new Error('no answer left');
    return answer();
  }) as typeof fetch;
  return { fetchImpl, seen };
}

/** A body whose cancellation is observable, to prove a refusal's body is drained. */
function trackedBody(text: string) {
  const state = { cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { body, state };
}

describe('readProviderSettings', () => {
  const REQUIRED = ['PINGSTREAMS_PROJECT_ID', 'PINGSTREAMS_PROJECT_SECRET'] as const;

  it('prefers Secrets Manager values and falls back to the environment, empty counting as unset', () => {
    const secrets = { PINGSTREAMS_PROJECT_ID: 'p-secret', PINGSTREAMS_PROJECT_SECRET: '' };
    const env = { PINGSTREAMS_PROJECT_ID: 'p-env', PINGSTREAMS_PROJECT_SECRET: 's-env' };

    const result = readProviderSettings('pingstreams', REQUIRED, secrets, env);

    expect(result).toEqual({
      config: { PINGSTREAMS_PROJECT_ID: 'p-secret', PINGSTREAMS_PROJECT_SECRET: 's-env' },
    });
  });

  it('names every missing required setting at once, in order', () => {
    const result = readProviderSettings(
      'gitple',
      ['GITPLE_HOST', 'GITPLE_APP_ID', 'GITPLE_APP_API_KEY'],
      { GITPLE_APP_ID: 'app' },
      { GITPLE_HOST: '' },
    );

    expect(result).toEqual({
      unavailable: 'gitple is not configured: GITPLE_HOST, GITPLE_APP_API_KEY missing',
    });
  });

  it('joins the missing names the way the caller asks', () => {
    const result = readProviderSettings(
      'tigerconnect',
      ['TIGERCONNECT_API_KEY', 'TIGERCONNECT_API_SECRET'],
      {},
      {},
      { joinMissing: ' and ' },
    );

    expect(result.unavailable).toBe(
      'tigerconnect is not configured: TIGERCONNECT_API_KEY and TIGERCONNECT_API_SECRET missing',
    );
  });

  it('reads optional settings by the same rule but never reports them missing', () => {
    const env = { TIGERCONNECT_API_KEY: 'k', TIGERCONNECT_API_SECRET: 's' };

    const without = readProviderSettings('tigerconnect', ['TIGERCONNECT_API_KEY'], {}, env, {
      optional: ['TIGERCONNECT_API_URL'],
    });
    const withUrl = readProviderSettings(
      'tigerconnect',
      ['TIGERCONNECT_API_KEY'],
      { TIGERCONNECT_API_URL: 'http://127.0.0.1:9' },
      env,
      { optional: ['TIGERCONNECT_API_URL'] },
    );

    expect(without).toEqual({ config: { TIGERCONNECT_API_KEY: 'k' } });
    expect(withUrl.config?.TIGERCONNECT_API_URL).toBe('http://127.0.0.1:9');
  });
});

describe('httpBaseUrl', () => {
  it('keeps the origin and path prefix, without trailing slashes', () => {
    expect(
      httpBaseUrl('pingstreams', 'PINGSTREAMS_API_URL', 'https://api.example.com/v3//'),
    ).toEqual({ config: 'https://api.example.com/v3' });
    expect(httpBaseUrl('tigerconnect', 'TIGERCONNECT_API_URL', 'http://127.0.0.1:8080/')).toEqual({
      config: 'http://127.0.0.1:8080',
    });
  });

  it.each(['ftp://files.example.com', 'not a url', 'javascript:alert(1)'])(
    'refuses %s, naming the setting',
    (raw) => {
      const result = httpBaseUrl('tigerconnect', 'TIGERCONNECT_API_URL', raw);

      expect(result).toEqual({
        unavailable: 'tigerconnect is not configured: TIGERCONNECT_API_URL is not an http(s) URL',
      });
    },
  );
});

describe('createProviderHttp', () => {
  it('sends a JSON body with its content type under the base URL, and only then', async () => {
    const { fetchImpl, seen } = recordingFetch([
      () => new Response(null, { status: 204 }),
      () => new Response('{}', { status: 200 }),
    ]);
    const http = createProviderHttp({
      provider: 'acme',
      baseUrl: 'http://127.0.0.1:9/v1',
      fetch: fetchImpl,
    });

    await http.call('send', '/messages', {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      body: { text: 'héllo' },
    });
    await http.call('read', '/events', { method: 'GET', headers: { accept: 'text/plain' } });

    expect(seen).toEqual([
      {
        url: 'http://127.0.0.1:9/v1/messages',
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: '{"text":"héllo"}',
      },
      {
        url: 'http://127.0.0.1:9/v1/events',
        method: 'GET',
        headers: { accept: 'text/plain' },
        body: undefined,
      },
    ]);
  });

  it('hands back a refusal unthrown from call, so the caller can decide (a 404 delete)', async () => {
    const { fetchImpl } = recordingFetch([() => new Response(null, { status: 404 })]);
    const http = createProviderHttp({ provider: 'acme', baseUrl: 'http://x', fetch: fetchImpl });

    const response = await http.call('delete', '/m/1', { method: 'DELETE', headers: {} });

    expect(response.status).toBe(404);
  });

  it('turns a network failure into a retryable ProviderError without a status', async () => {
    const failure = new TypeError('fetch failed');
    const fetchImpl = (() => Promise.reject(failure)) as typeof fetch;
    const http = createProviderHttp({ provider: 'acme', baseUrl: 'http://x', fetch: fetchImpl });

    const withAction = await caught(
      http.call('send the message', '/', { method: 'POST', headers: {} }),
    );
    const withoutAction = await caught(http.call(undefined, '/', { method: 'POST', headers: {} }));

    expect(withAction).toBeInstanceOf(ProviderError);
    expect(withAction).toMatchObject({
      message: 'acme could not be reached to send the message',
      providerStatus: undefined,
      cause: failure,
    });
    expect(isRetryable(withAction)).toBe(true);
    expect(withoutAction).toMatchObject({
      message: 'acme could not be reached',
      providerStatus: undefined,
    });
  });

  it('keeps why a provider could not be reached: names and codes, never the URL', async () => {
    // Prepare: a port nothing listens on, behind a URL carrying a key.
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const http = createProviderHttp({
      provider: 'acme',
      baseUrl: `http://127.0.0.1:${port}/v1?key=very-secret-key`,
    });

    // Act
    const error = await caught(http.call('send', '/', { method: 'POST', headers: {} }));
    const summary = causeSummary(error);

    // Assess
    expect(summary).toBe('Error ECONNREFUSED');
    expect(summary).not.toContain('very-secret-key');
  });

  it('gives up on a provider slower than its timeout, as unreachable', async () => {
    const hanging = ((_input: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
    const http = createProviderHttp({
      provider: 'acme',
      baseUrl: 'http://x',
      fetch: hanging,
      timeoutMs: 20,
    });

    const error = await caught(http.call('send', '/', { method: 'POST', headers: {} }));

    expect(error).toMatchObject({ message: 'acme could not be reached to send' });
    expect((error as ProviderError).providerStatus).toBeUndefined();
    expect(causeSummary(error)).toBe('TimeoutError 23');
  });

  it('reads the answer whole within the deadline: a body that stalls after the headers is unreachable too', async () => {
    const stalling = (async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"partial":'));
          },
        }),
        { status: 200 },
      )) as typeof fetch;
    const http = createProviderHttp({
      provider: 'acme',
      baseUrl: 'http://x',
      fetch: stalling,
      timeoutMs: 20,
    });

    const error = await caught(http.call('send', '/', { method: 'POST', headers: {} }));

    expect(error).toMatchObject({ message: 'acme could not be reached to send' });
  });

  it('hands back an answer already read, status and headers kept, and leaves no timer running', async () => {
    vi.useFakeTimers();
    try {
      const { fetchImpl } = recordingFetch([
        () => new Response('{"id":"m1"}', { status: 201, headers: { 'x-id': 'm1' } }),
        () => new Response(null, { status: 204 }),
      ]);
      const http = createProviderHttp({ provider: 'acme', baseUrl: 'http://x', fetch: fetchImpl });

      const created = await http.call('send', '/', { method: 'POST', headers: {} });
      const empty = await http.call('delete', '/m1', { method: 'DELETE', headers: {} });

      expect(vi.getTimerCount()).toBe(0);
      expect([created.status, created.headers.get('x-id')]).toEqual([201, 'm1']);
      expect(await created.json()).toEqual({ id: 'm1' });
      expect([empty.status, await empty.text()]).toEqual([204, '']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('builds a refusal from the status and Retry-After seconds, draining the body', async () => {
    const { body, state } = trackedBody('{"secret":"never shown"}');
    const response = new Response(body, { status: 429, headers: { 'retry-after': '7' } });
    const http = createProviderHttp({ provider: 'acme', baseUrl: 'http://x', now: () => NOW });

    const error = await http.refusal('send the message', response);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      message: 'acme refused to send the message: HTTP 429',
      providerStatus: 429,
      retryAfterMs: 7000,
    });
    expect(error.message).not.toContain('secret');
    expect(state.cancelled).toBe(true);
  });

  it('reads a Retry-After HTTP date against the injected clock, and none as no delay', async () => {
    const http = createProviderHttp({ provider: 'acme', baseUrl: 'http://x', now: () => NOW });
    const dated = new Response(null, {
      status: 503,
      headers: { 'retry-after': new Date(NOW + 90_000).toUTCString() },
    });

    const withDate = await http.refusal('ack', dated);
    const without = await http.refusal('ack', new Response(null, { status: 503 }));

    expect(withDate).toMatchObject({ providerStatus: 503, retryAfterMs: 90_000 });
    expect(without).toMatchObject({ providerStatus: 503, retryAfterMs: undefined });
  });

  it('callOk returns a 2xx answer and throws the refusal for any other', async () => {
    const { fetchImpl } = recordingFetch([
      () => new Response('ok', { status: 200 }),
      () => new Response(null, { status: 403 }),
    ]);
    const http = createProviderHttp({ provider: 'acme', baseUrl: 'http://x', fetch: fetchImpl });

    const ok = await http.callOk('read', '/', { method: 'GET', headers: {} });
    const refused = await caught(http.callOk('read', '/', { method: 'GET', headers: {} }));

    expect(await ok.text()).toBe('ok');
    expect(refused).toMatchObject({
      message: 'acme refused to read: HTTP 403',
      providerStatus: 403,
    });
    expect(isRetryable(refused)).toBe(false);
  });
});

describe('tokenRefreshAt', () => {
  it('renews the given margin before expiry, or at half life for a short-lived token', () => {
    expect(tokenRefreshAt(NOW, NOW + 24 * HOUR, HOUR)).toBe(NOW + 23 * HOUR);
    expect(tokenRefreshAt(NOW, NOW + HOUR, HOUR)).toBe(NOW + HOUR / 2);
    expect(tokenRefreshAt(NOW, NOW - 1000, HOUR)).toBe(NOW - 1000);
  });
});

describe('createTokenCache', () => {
  /**
   * A cache over a source handing out tok-1, tok-2, ... each to be refreshed an hour after it
   * was issued; an exchange can be held open or made to fail.
   */
  function setup() {
    const clock = { now: NOW };
    let issued = 0;
    let hold: Promise<void> = Promise.resolve();
    const failures: Error[] = [];
    const fetchToken = async (): Promise<CachedToken> => {
      issued += 1;
      await hold;
      const failure = failures.shift();
      if (failure) throw failure;
      return { token: `tok-${issued}`, refreshAt: clock.now + HOUR };
    };
    const cache = createTokenCache({ fetchToken, now: () => clock.now });
    return {
      clock,
      cache,
      issued: () => issued,
      failNext: (error: Error) => failures.push(error),
      /** Holds every exchange open until the returned function is called. */
      holdExchanges: () => {
        let release = () => {};
        hold = new Promise<void>((resolve) => (release = resolve));
        return () => release();
      },
    };
  }

  /** An authenticated call that records the token it used and answers from a list. */
  function attempts(answers: (() => Response)[]) {
    const used: string[] = [];
    const attempt = async (token: string) => {
      used.push(token);
      return answers.shift()?.() ?? new Response('ok', { status: 200 });
    };
    return { attempt, used };
  }

  it('shares one exchange between concurrent callers, then serves the cached token', async () => {
    const { cache, issued, holdExchanges } = setup();
    const release = holdExchanges();

    const concurrent = Promise.all([cache.get(), cache.get(), cache.get()]);
    release();
    const first = await concurrent;
    const later = await cache.get();

    expect(issued()).toBe(1);
    expect(first).toEqual([
      { token: 'tok-1', fromCache: false },
      { token: 'tok-1', fromCache: false },
      { token: 'tok-1', fromCache: false },
    ]);
    expect(later).toEqual({ token: 'tok-1', fromCache: true });
  });

  it('fetches a new token once the refresh time is reached', async () => {
    const { clock, cache } = setup();
    await cache.get();

    clock.now = NOW + HOUR - 1;
    const before = await cache.get();
    clock.now = NOW + HOUR;
    const after = await cache.get();

    expect(before).toEqual({ token: 'tok-1', fromCache: true });
    expect(after).toEqual({ token: 'tok-2', fromCache: false });
  });

  it('caches no failed exchange: every waiting caller sees the error, the next call retries', async () => {
    const { cache, issued, failNext } = setup();
    const refused = new ProviderError('acme refused to sign the bot in: HTTP 503', 503);
    failNext(refused);

    const failed = await Promise.all([caught(cache.get()), caught(cache.get())]);
    const next = await cache.get();

    expect(failed).toEqual([refused, refused]);
    expect(next).toEqual({ token: 'tok-2', fromCache: false });
    expect(issued()).toBe(2);
  });

  it('invalidates only the token named, keeping a newer one', async () => {
    const { cache } = setup();
    await cache.get();
    cache.invalidate('tok-1');
    await cache.get();

    cache.invalidate('tok-1');
    const kept = await cache.get();
    cache.invalidate('tok-2');
    const renewed = await cache.get();

    expect(kept).toEqual({ token: 'tok-2', fromCache: true });
    expect(renewed).toEqual({ token: 'tok-3', fromCache: false });
  });

  it('withToken retries a 401 on a cached token once, with a new token, draining the 401', async () => {
    const { cache } = setup();
    await cache.get();
    const { body, state } = trackedBody('revoked');
    const { attempt, used } = attempts([
      () => new Response(body, { status: 401 }),
      () => new Response('sent', { status: 201 }),
    ]);

    const response = await cache.withToken(attempt);

    expect(used).toEqual(['tok-1', 'tok-2']);
    expect(response.status).toBe(201);
    expect(state.cancelled).toBe(true);
    expect(await cache.get()).toEqual({ token: 'tok-2', fromCache: true });
  });

  it('withToken answers a 401 on a fresh token as it is, and retries a cached one only once', async () => {
    const { cache, issued } = setup();
    const refuse = () => new Response(null, { status: 401 });
    const { attempt, used } = attempts([refuse, refuse, refuse]);

    const fresh = await cache.withToken(attempt);
    const cached = await cache.withToken(attempt);

    expect(fresh.status).toBe(401);
    expect(cached.status).toBe(401);
    expect(used).toEqual(['tok-1', 'tok-1', 'tok-2']);
    expect(issued()).toBe(2);
  });

  it('withToken keeps the token a concurrent call fetched when its own old one gets a 401', async () => {
    const { cache, issued } = setup();
    await cache.get();
    let answerSlowCall = (_response: Response) => {};
    const slowAnswer = new Promise<Response>((resolve) => (answerSlowCall = resolve));
    const slow = cache.withToken((token) =>
      token === 'tok-1' ? slowAnswer : Promise.resolve(new Response('late', { status: 201 })),
    );
    const fast = attempts([() => new Response(null, { status: 401 })]);

    await cache.withToken(fast.attempt); // tok-1 refused: tok-2 is fetched and cached
    answerSlowCall(new Response(null, { status: 401 })); // the slow call's tok-1 is refused too
    const slowResponse = await slow;

    expect(fast.used).toEqual(['tok-1', 'tok-2']);
    expect(slowResponse.status).toBe(201);
    expect(issued()).toBe(2);
    expect(await cache.get()).toEqual({ token: 'tok-2', fromCache: true });
  });

  it('withToken passes any other answer through without touching the cache', async () => {
    const { cache, issued } = setup();
    await cache.get();
    const { attempt } = attempts([() => new Response(null, { status: 403 })]);

    const response = await cache.withToken(attempt);

    expect(response.status).toBe(403);
    expect(await cache.get()).toEqual({ token: 'tok-1', fromCache: true });
    expect(issued()).toBe(1);
  });
});
