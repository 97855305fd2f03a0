import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';

/**
 * One POST to an address that was vetted before the connection, and to no other: the
 * connection's `lookup` answers with that address only, so a second DNS answer (rebinding)
 * can never swap it ([G] README WH-8). No redirect is followed (node's http client follows
 * none), the answer's body is read up to a cap and thrown away, and the whole exchange has a
 * deadline.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to (tests inject their own). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export interface PinnedPost {
  url: URL;
  /** The vetted address the connection goes to, whatever the name resolves to by then. */
  address: ResolvedAddress;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Bytes of the answer read at most; the rest is not read. */
  maxResponseBytes: number;
}

export interface PinnedAnswer {
  status: number;
  location?: string;
  retryAfter?: string;
}

/** Sends one vetted POST (tests inject a spy to prove what was, and was not, connected to). */
export type Connect = (post: PinnedPost) => Promise<PinnedAnswer>;

export const resolveAll: Resolve = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** The URL's host as an address or a name (`[::1]` loses its brackets). */
export function hostOf(url: URL): { ip?: ResolvedAddress; name: string } {
  const name = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(name);
  return family === 0 ? { name } : { ip: { address: name, family: family === 6 ? 6 : 4 }, name };
}

/** A `lookup` that answers every query with the one vetted address. */
function pinnedLookup(address: ResolvedAddress): LookupFunction {
  return ((_hostname, options, callback) => {
    // Node asks for `all` when it races address families (autoSelectFamily).
    if (typeof options === 'object' && options.all) {
      callback(null, [address]);
    } else {
      callback(null, address.address, address.family);
    }
  }) as LookupFunction;
}

const header = (response: IncomingMessage, name: string) => {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export const connectPinned: Connect = (post) =>
  new Promise<PinnedAnswer>((resolve, reject) => {
    const send = post.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const { name, ip } = hostOf(post.url);
    const request = send(post.url, {
      method: 'POST',
      headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
      lookup: pinnedLookup(post.address),
      // A fresh connection each time: a pooled socket could belong to an earlier answer.
      agent: false,
      ...(post.url.protocol === 'https:' && !ip && { servername: name }),
    });
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${post.timeoutMs} ms`));
    }, post.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on('response', (response) => {
      const answer: PinnedAnswer = {
        status: response.statusCode ?? 0,
        ...(header(response, 'location') && { location: header(response, 'location') }),
        ...(header(response, 'retry-after') && { retryAfter: header(response, 'retry-after') }),
      };
      let read = 0;
      const done = () => {
        clearTimeout(timer);
        response.destroy();
        resolve(answer);
      };
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= post.maxResponseBytes) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
    request.end(post.body);
  });
