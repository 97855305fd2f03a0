import type middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { PayloadTooLargeError } from '../core/errors';
import { LIMITS } from '../core/limits';
import { parseJsonText } from './json';
import { createLogger, type Logger } from '../core/log';
import { problemResponse, toProblem } from './problem';

export type HttpEvent = APIGatewayProxyEventV2 & { rawBodyText?: string; jsonBody?: unknown };
export type HttpResult = APIGatewayProxyStructuredResultV2;
type HttpMiddleware = middy.MiddlewareObj<HttpEvent, HttpResult, Error, Context>;

export const MAX_BODY_BYTES = LIMITS.bodyBytes;

/** Decode the body (base64 when API Gateway says so) and refuse it past `maxBytes`. */
export function bodyText(options: { maxBytes?: number } = {}): HttpMiddleware {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      const bytes =
        body === undefined
          ? Buffer.alloc(0)
          : Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8');
      if (bytes.length > maxBytes) {
        throw new PayloadTooLargeError(`body is ${bytes.length} bytes; the limit is ${maxBytes}`);
      }
      request.event.rawBodyText = bytes.toString('utf8');
    },
  };
}

/** Parse the body as JSON; anything else is a 400 problem. */
export function jsonBody(options: { optional?: boolean } = {}): HttpMiddleware {
  return {
    before: (request) => {
      const text = request.event.rawBodyText ?? request.event.body ?? '';
      if (text.trim() === '' && options.optional) {
        request.event.jsonBody = {};
        return;
      }
      request.event.jsonBody = parseJsonText(text);
    },
  };
}

/** Turn any thrown error into a problem+json answer; never a stack trace. */
export function problemErrors(getLog: () => Logger): HttpMiddleware {
  return {
    onError: (request) => {
      let log: Logger;
      try {
        log = getLog();
      } catch {
        // The runtime itself failed to build (bad config): still answer, and say why in the log.
        log = createLogger({ service: 'chat-bridge' }, { level: 'warn' });
      }
      request.response = problemResponse(toProblem(request.error, log));
    },
  };
}

/** Header lookup that ignores case, as HTTP does. */
export function lowerCaseHeaders(
  headers: Record<string, string | undefined> | undefined,
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([key, value]) => [key.toLowerCase(), value]),
  );
}
