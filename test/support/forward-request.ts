import { request, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * Pass a buffered request on to `target` (same method, path and headers) and its answer back;
 * an unreachable target resets the client's connection, as a dead provider would.
 * `beforeAnswer` runs once the provider has answered (it has acted on the request) and before
 * the answer is passed on: `'drop'` resets the client's connection instead, so the client
 * never learns what the provider did.
 */
export function forwardRequest(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  beforeAnswer?: () => Promise<'answer' | 'drop'>,
): void {
  const outgoing = request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host },
    },
    (incoming) => {
      const pass = () => {
        res.writeHead(incoming.statusCode ?? 502, incoming.headers);
        incoming.pipe(res);
      };
      if (!beforeAnswer) return pass();
      incoming.pause();
      void beforeAnswer().then((answer) => (answer === 'answer' ? pass() : res.destroy()));
    },
  );
  outgoing.on('error', () => res.destroy());
  outgoing.end(body);
}
