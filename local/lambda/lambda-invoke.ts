import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_ACCOUNT_ID } from './aws-ids';
import type { Invoker, RequestAuthorizer } from './function-host';
import { errorChain, type LocalLog } from '../tooling/log';

export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

/** Lambda's synchronous payload limit. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const MAX_TAIL_BYTES = 4096;

/** What `@aws-sdk/client-lambda` sends (octet-stream) and what a JSON caller like curl sends. */
const ACCEPTED_CONTENT_TYPES = new Set(['application/json', 'application/octet-stream']);

/**
 * A web page the developer has open can POST to loopback. Browsers always mark such requests
 * with an `Origin` header on every cross-origin POST; the SDK and curl never send one (Node's
fetch sends `Sec-Fetch-Mode`, so that header alone proves nothing), so an Origin is refused.
 * Form and text bodies (the only ones a page can send without a CORS preflight) are refused by
 * content type as well, so a page cannot inject, say, an IvsReview input.
 */
export function browserRequestRefusal(request: IncomingMessage): string | undefined {
  if (request.headers.origin !== undefined) {
    return 'the Invoke API refuses browser requests (an Origin header was sent)';
  }
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (!ACCEPTED_CONTENT_TYPES.has(type)) {
    return `the Invoke API takes application/json or application/octet-stream, not "${type || '(none)'}"`;
  }
  return undefined;
}

/** `Name`, `Name:qualifier`, or a function ARN (optionally qualified) -> the function name. */
export function functionNameOf(identifier: string): string {
  const arn = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:([\w-]+)(?::[\w$-]+)?$/.exec(
    identifier,
  );
  if (arn) return arn[1]!;
  return identifier.split(':')[0]!;
}

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) as the real service
 * answers it, so `@aws-sdk/client-lambda` with an endpoint override, or curl, can drive any
 * function with a raw event — e.g. IvsReview with the input IVS sends.
 */
export async function handleInvoke(options: {
  request: IncomingMessage;
  response: ServerResponse;
  body: Buffer;
  host: Invoker;
  log: LocalLog;
  region: string;
  /** The account of the functions' ARNs (default LOCAL_ACCOUNT_ID). */
  accountId?: string;
  /** Checks the caller's `lambda:InvokeFunction` on the function's ARN (AWS profile only). */
  authorize?: RequestAuthorizer;
}): Promise<{ status: number; functionName: string; requestId?: string }> {
  const { request, response, body, host, log, region } = options;
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const match = INVOKE_PATH.exec((request.url ?? '').split('?')[0]!);
  const identifier = decodeURIComponent(match?.[1] ?? '');
  const name = functionNameOf(identifier);
  const fail = (status: number, type: string, message: string) => {
    response.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-errortype': type,
    });
    response.end(JSON.stringify({ Type: 'User', Message: message, message }));
    return { status, functionName: name };
  };
  if (request.method !== 'POST') {
    return fail(405, 'MethodNotAllowedException', 'Invoke takes POST');
  }
  const refusal = browserRequestRefusal(request);
  if (refusal) {
    // A problem like every other local refusal; the error type header still lets an SDK name it.
    response.writeHead(403, {
      'content-type': 'application/problem+json',
      'x-amzn-errortype': 'AccessDeniedException',
    });
    response.end(
      JSON.stringify({
        type: 'https://chat-bridge.dev/problems/forbidden',
        title: 'Forbidden',
        status: 403,
        detail: refusal,
        message: refusal,
      }),
    );
    return { status: 403, functionName: name };
  }
  if (!host.has(name)) {
    return fail(
      404,
      'ResourceNotFoundException',
      `Function not found: arn:aws:lambda:${region}:${accountId}:function:${name}`,
    );
  }
  const denied = await options.authorize?.(
    {
      method: request.method ?? 'POST',
      path: request.url ?? '/',
      headers: flatHeaders(request),
      body,
    },
    'lambda:InvokeFunction',
    `arn:aws:lambda:${region}:${accountId}:function:${name}`,
  );
  if (denied !== undefined) return fail(403, 'AccessDeniedException', denied);
  if (body.length > MAX_PAYLOAD_BYTES) {
    return fail(
      413,
      'RequestTooLargeException',
      `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
    );
  }
  let event: unknown;
  try {
    event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (error) {
    return fail(
      400,
      'InvalidRequestContentException',
      `Could not parse request body into json: ${errorChain(error)}`,
    );
  }
  const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (invocationType === 'DryRun') {
    response.writeHead(204).end();
    return { status: 204, functionName: name };
  }
  if (invocationType === 'Event') {
    // Asynchronous invocation: accepted now, run in the background, failures only logged.
    void host.invoke(name, event).then((outcome) => {
      if (!outcome.ok) {
        log.error('lambda', `async invocation of ${name} failed`, {
          requestId: outcome.requestId,
          error: outcome.error.errorMessage,
        });
      }
    });
    response.writeHead(202, { 'x-amz-executed-version': '$LATEST' }).end();
    return { status: 202, functionName: name };
  }
  if (invocationType !== 'RequestResponse') {
    return fail(
      400,
      'InvalidParameterValueException',
      `Unsupported invocation type ${invocationType}`,
    );
  }
  const outcome = await host.invoke(name, event);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amz-executed-version': '$LATEST',
    'x-amzn-requestid': outcome.requestId,
  };
  if (String(request.headers['x-amz-log-type'] ?? '') === 'Tail') {
    const tail = Buffer.from(outcome.logs.join('\n'));
    headers['x-amz-log-result'] = tail
      .subarray(Math.max(0, tail.length - MAX_TAIL_BYTES))
      .toString('base64');
  }
  if (!outcome.ok) {
    // A function error is still a 200: the error travels in the payload and this header.
    headers['x-amz-function-error'] = 'Unhandled';
    response.writeHead(200, headers).end(JSON.stringify(outcome.error));
  } else {
    response.writeHead(200, headers).end(JSON.stringify(outcome.result ?? null));
  }
  return { status: 200, functionName: name, requestId: outcome.requestId };
}

/** A request's headers as one string each (repeated ones joined as Node joins them). */
export function flatHeaders(request: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : String(value ?? ''),
    ]),
  );
}
