/**
 * The front door of a fake provider server for the end-to-end bench: every request is read,
 * its arrival time recorded under each bench marker its body carries, then forwarded to the
 * fake (after an optional injected latency) and the fake's answer piped back. The time the
 * fake took to answer is recorded too, so the report can state the provider's own latency.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monoMs } from './ipc';

export const MARKER = /mk\d+x\d+/g;

export interface RecordingProxy {
  url: string;
  /** Marker -> arrival times (monotonic ms) of requests carrying it. */
  arrivals: Map<string, number[]>;
  /** How long each forwarded request took to answer, injected latency included (ms). */
  serviceMs: number[];
  close(): Promise<void>;
}

export async function startRecordingProxy(
  upstream: string,
  options: { latencyMs?: number } = {},
): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const arrivals = new Map<string, number[]>();
  const serviceMs: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const arrived = monoMs();
      const body = Buffer.concat(chunks);
      const markers = new Set(body.toString('utf8').match(MARKER) ?? []);
      for (const marker of markers) {
        const list = arrivals.get(marker) ?? [];
        list.push(arrived);
        arrivals.set(marker, list);
      }
      const forward = () => {
        const upstreamRequest = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: `${target.pathname.replace(/\/$/, '')}${req.url ?? ''}`,
            headers: { ...req.headers, host: target.host },
          },
          (upstreamResponse) => {
            res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
            upstreamResponse.pipe(res);
            upstreamResponse.on('end', () => {
              if (markers.size > 0) serviceMs.push(monoMs() - arrived);
            });
          },
        );
        upstreamRequest.on('error', () => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
        upstreamRequest.end(body);
      };
      if (options.latencyMs) setTimeout(forward, options.latencyMs);
      else forward();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    serviceMs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
