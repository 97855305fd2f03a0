import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedIvsRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FakeIvsControl {
  /** Give this to the SDK as AWS_ENDPOINT_URL_IVSCHAT. */
  url: string;
  requests: RecordedIvsRequest[];
  /** Answer the next CreateChatToken calls with an AWS error instead of a token. */
  failWith(error: { status: number; type: string; message: string } | undefined): void;
  close(): Promise<void>;
}

/**
 * A stand-in for the IVS Chat control plane speaking its rest-json protocol: `POST
 * /CreateChatToken` with a JSON body, answered with `{token, tokenExpirationTime,
 * sessionExpirationTime}` (ISO strings) or an error named by `x-amzn-errortype`.
 */
export async function startFakeIvsControl(
  options: { now?: () => Date } = {},
): Promise<FakeIvsControl> {
  const requests: RecordedIvsRequest[] = [];
  let failure: { status: number; type: string; message: string } | undefined;
  const now = options.now ?? (() => new Date());
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text === '' ? {} : JSON.parse(text);
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || req.url !== '/CreateChatToken') {
        reply(404, { message: 'unknown operation' }, { 'x-amzn-errortype': 'UnknownOperation' });
        return;
      }
      if (failure) {
        reply(failure.status, { message: failure.message }, { 'x-amzn-errortype': failure.type });
        return;
      }
      const { userId, sessionDurationInMinutes } = body as {
        userId: string;
        sessionDurationInMinutes?: number;
      };
      const issued = now().getTime();
      reply(200, {
        token: `AQICAHh-fake-token-for-${userId}`,
        tokenExpirationTime: new Date(issued + 60_000).toISOString(),
        sessionExpirationTime: new Date(
          issued + (sessionDurationInMinutes ?? 60) * 60_000,
        ).toISOString(),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failWith: (error) => {
      failure = error;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
