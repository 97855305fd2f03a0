import { request, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * Pass a buffered request on to `target` (same method, path and headers) and its answer back;
 * an unreachable target resets the client's connection, as a dead provider would.
 */
export function forwardRequest(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
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
      res.writeHead(incoming.statusCode ?? 502, incoming.headers);
      incoming.pipe(res);
    },
  );
  outgoing.on('error', () => res.destroy());
  outgoing.end(body);
}
