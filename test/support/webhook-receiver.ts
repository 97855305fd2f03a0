import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the receiver got it, and whether the official package verified it. */
export interface ReceivedDelivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed event when `standardwebhooks` verified the signature, else undefined. */
  verified: unknown;
  verifyError?: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A customer's receiver on 127.0.0.1: it verifies every delivery with the official
 * `standardwebhooks` package (the independent check of our signatures) and answers from a
 * per-path script (then 204), so tests can make it fail, throttle or redirect.
 */
export interface WebhookReceiver {
  url: string;
  received: ReceivedDelivery[];
  /** Answers for the next requests to `path`, in order; afterwards 204. */
  script(path: string, answers: Answer[]): void;
  /** Answer every request to `path` with this until cleared (undefined clears it). */
  always(path: string, answer: Answer | undefined): void;
  at(path: string): ReceivedDelivery[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const received: ReceivedDelivery[] = [];
  const scripts = new Map<string, Answer[]>();
  const fixed = new Map<string, Answer>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '/';
      const delivery: ReceivedDelivery = {
        path,
        headers: request.headers,
        body,
        verified: undefined,
      };
      try {
        delivery.verified = verifier.verify(body, request.headers as Record<string, string>);
      } catch (error) {
        delivery.verifyError = (error as Error).message;
      }
      received.push(delivery);
      const answer = fixed.get(path) ?? scripts.get(path)?.shift() ?? { status: 204 };
      response.writeHead(answer.status, answer.headers);
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script: (path, answers) => scripts.set(path, [...answers]),
    always: (path, answer) => (answer ? fixed.set(path, answer) : fixed.delete(path)),
    at: (path) => received.filter((d) => d.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POSTs `body` to `url` signed as a customer's system would, with the official package. */
export function postSigned(
  url: string,
  body: { id: string },
  options: { secret: string; at?: Date },
): Promise<Response> {
  const rawBody = JSON.stringify(body);
  const at = options.at ?? new Date();
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': body.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(options.secret).sign(body.id, at, rawBody),
    },
    body: rawBody,
  });
}
