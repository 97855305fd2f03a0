/**
 * One error hierarchy for the bridge. Each error knows its HTTP status and whether its
 * message may be shown to a caller (`expose`); one place (functions/http/problem.ts and the
 * WebSocket error frame) turns them into what the caller sees.
 */
export class BridgeError extends Error {
  override readonly name: string = 'BridgeError';
  readonly status: number = 500;
  readonly code: string = 'internal';
  readonly title: string = 'Internal error';
  /** Whether `message` is safe to show to the caller. */
  readonly expose: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ValidationError extends BridgeError {
  override readonly name = 'ValidationError';
  override readonly status = 400;
  override readonly code = 'invalid-payload';
  override readonly title = 'Invalid payload';
  override readonly expose = true;

  constructor(
    message: string,
    /** Dot path of the first offending field, when known. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class MalformedJsonError extends BridgeError {
  override readonly name = 'MalformedJsonError';
  override readonly status = 400;
  override readonly code = 'malformed-json';
  override readonly title = 'Malformed JSON';
  override readonly expose = true;
}

export class UnauthorizedError extends BridgeError {
  override readonly name = 'UnauthorizedError';
  override readonly status = 401;
  override readonly code = 'unauthorized';
  override readonly title = 'Unauthorized';
  override readonly expose = true;
}

export class ForbiddenError extends BridgeError {
  override readonly name = 'ForbiddenError';
  override readonly status = 403;
  override readonly code = 'forbidden';
  override readonly title = 'Forbidden';
  override readonly expose = true;
}

export class NotFoundError extends BridgeError {
  override readonly name = 'NotFoundError';
  override readonly status = 404;
  override readonly code = 'not-found';
  override readonly title = 'Not found';
  override readonly expose = true;
}

export class PayloadTooLargeError extends BridgeError {
  override readonly name = 'PayloadTooLargeError';
  override readonly status = 413;
  override readonly code = 'payload-too-large';
  override readonly title = 'Payload too large';
  override readonly expose = true;
}

export class NotImplementedError extends BridgeError {
  override readonly name = 'NotImplementedError';
  override readonly status = 501;
  override readonly code = 'not-implemented';
  override readonly title = 'Not implemented';
  override readonly expose = true;
}

/** A provider refused or failed; `detail` carries its code, never our secrets. */
export class ProviderError extends BridgeError {
  override readonly name = 'ProviderError';
  override readonly status = 502;
  override readonly code = 'provider-error';
  override readonly title = 'Provider error';
  override readonly expose = true;

  constructor(
    message: string,
    readonly providerStatus?: number,
    options?: { cause?: unknown; retryAfterMs?: number; permanent?: boolean },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.permanent = options?.permanent === true;
  }

  readonly retryAfterMs: number | undefined;
  /** Refused before any answer (e.g. a forbidden address): another attempt cannot succeed. */
  readonly permanent: boolean;
}

export class NotConfiguredError extends BridgeError {
  override readonly name = 'NotConfiguredError';
  override readonly status = 503;
  override readonly code = 'not-configured';
  override readonly title = 'Provider not configured';
  override readonly expose = true;
}

/** A transient refusal: nothing changed and the same request may succeed a moment later. */
export class ServiceUnavailableError extends BridgeError {
  override readonly name = 'ServiceUnavailableError';
  override readonly status = 503;
  override readonly code = 'unavailable';
  override readonly title = 'Service unavailable';
  override readonly expose = true;
}

/** The request conflicts with what exists, e.g. a channel already in another bridge. */
export class ConflictError extends BridgeError {
  override readonly name = 'ConflictError';
  override readonly status = 409;
  override readonly code = 'conflict';
  override readonly title = 'Conflict';
  override readonly expose = true;
}

/** `If-Match` names a version that is no longer the current one (or nothing exists). */
export class PreconditionFailedError extends BridgeError {
  override readonly name = 'PreconditionFailedError';
  override readonly status = 412;
  override readonly code = 'precondition-failed';
  override readonly title = 'Precondition failed';
  override readonly expose = true;
}

/** Replacing needs `If-Match`, so two operators cannot overwrite each other unknowingly. */
export class PreconditionRequiredError extends BridgeError {
  override readonly name = 'PreconditionRequiredError';
  override readonly status = 428;
  override readonly code = 'precondition-required';
  override readonly title = 'Precondition required';
  override readonly expose = true;
}

/** Configuration is wrong at start-up: fail fast with the variable or field named. */
export class ConfigError extends BridgeError {
  override readonly name = 'ConfigError';
  override readonly code = 'config';
  override readonly title = 'Configuration error';
}

export function isBridgeError(error: unknown): error is BridgeError {
  return error instanceof BridgeError;
}

/** What a caller may learn about an error; HTTP, WebSocket and delivery details format it. */
export interface PublicView {
  status: number;
  code: string;
  title: string;
  /** The error's own message when it may be shown, else the caller's generic text. */
  message: string;
  /** Whether `message` is the error's own. */
  exposed: boolean;
  /** The offending field (validation errors), when known. */
  field?: string;
  /** The provider's HTTP status (provider errors), when known. */
  providerStatus?: number;
}

/**
 * The one decision of what a caller may see: a BridgeError that says it may be exposed shows
 * its status, code, title and message; anything else is an internal error whose text stays in
 * the logs, answered with `generic`.
 */
export function publicView(error: unknown, generic = 'internal error'): PublicView {
  if (isBridgeError(error) && error.expose) {
    const { field, providerStatus } = error as { field?: unknown; providerStatus?: unknown };
    return {
      status: error.status,
      code: error.code,
      title: error.title,
      message: error.message,
      exposed: true,
      ...(typeof field === 'string' && { field }),
      ...(typeof providerStatus === 'number' && { providerStatus }),
    };
  }
  return {
    status: 500,
    code: 'internal',
    title: 'Internal error',
    message: generic,
    exposed: false,
  };
}
