import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { problemAnswer } from './gateway-problem';
import type { HttpAnswer } from './http-event';

export interface ConnectAnswer {
  statusCode: number;
  body?: unknown;
  contentType?: string;
  protocol?: string;
}

/** `$connect` accepts unless its answer carries a non-2xx statusCode (a thrown error is a 500). */
export function connectAnswer(result: unknown): ConnectAnswer {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    return { statusCode: 200 };
  }
  const answer = result as {
    statusCode: unknown;
    body?: unknown;
    headers?: Record<string, unknown>;
  };
  const statusCode = typeof answer.statusCode === 'number' ? answer.statusCode : 500;
  const header = (wanted: string) =>
    Object.entries(answer.headers ?? {}).find(([name]) => name.toLowerCase() === wanted)?.[1];
  const protocol = header('sec-websocket-protocol');
  const contentType = header('content-type');
  return {
    statusCode,
    body: answer.body,
    ...(contentType !== undefined && { contentType: String(contentType) }),
    ...(protocol !== undefined && { protocol: String(protocol) }),
  };
}

/**
 * The refusal `$connect` decided, sent as it answered (its problem+json); an answer without a
 * body still reaches the client as a problem naming the status.
 */
export function refusalAnswer(answer: ConnectAnswer): HttpAnswer {
  if (answer.body === undefined || answer.body === null || answer.body === '') {
    const title = STATUS_CODES[answer.statusCode] ?? 'Refused';
    return problemAnswer(
      answer.statusCode,
      'upgrade-refused',
      title,
      `The WebSocket connection was refused (${answer.statusCode} ${title}).`,
    );
  }
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  return {
    statusCode: answer.statusCode,
    headers: [['content-type', answer.contentType ?? 'application/json']],
    body: Buffer.from(text),
  };
}

export function internalProblem(): HttpAnswer {
  return problemAnswer(
    500,
    'internal',
    'Internal error',
    'The WebSocket connection could not be set up; the runtime log says why.',
  );
}

export function refuse(socket: Duplex, answer: HttpAnswer) {
  if (socket.destroyed) return;
  const contentType =
    answer.headers.find(([name]) => name === 'content-type')?.[1] ?? 'application/json';
  socket.end(
    Buffer.concat([
      Buffer.from(
        `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode] ?? 'Error'}\r\n` +
          `Connection: close\r\nContent-Type: ${contentType}\r\n` +
          `Content-Length: ${answer.body.length}\r\n\r\n`,
      ),
      answer.body,
    ]),
  );
}
