import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionDefinition } from '../../functions/definitions/functions';
import { lambdaRequestId } from './aws-ids';
import { createLambdaContext } from './lambda-context';
import { errorChain, invocationScope, type LocalLog } from '../tooling/log';

export type LambdaHandler = (
  event: unknown,
  context: Context,
  callback: (error?: unknown, result?: unknown) => void,
) => unknown;

/** What a function file exports; tests pass their own in place of a real entry. */
export interface FunctionModule {
  handler: LambdaHandler | ((event: never, context: never) => unknown);
}

/** The error payload the Node.js runtime reports for a failed invocation. */
export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvokeOutcome =
  | { ok: true; result: unknown; requestId: string; durationMs: number; logs: string[] }
  | {
      ok: false;
      error: LambdaErrorPayload;
      timedOut: boolean;
      requestId: string;
      durationMs: number;
      logs: string[];
    };

/**
 * What the gateways, the Invoke API and the stream emulation need of a function host: the
 * local runtime's FunctionHost (handlers from source, in process), or another host of the same
 * functions (the AWS profile runs the bundled assets, each in its own process).
 */
export interface Invoker {
  has(name: string): boolean;
  invoke(name: string, event: unknown): Promise<InvokeOutcome>;
}

/**
 * Lets a host check a signed request for an IAM action on a resource before serving it, as
 * AWS does with the caller's identity policy (the AWS profile asks its IAM emulator). Answers
 * why the request is refused, or undefined to serve it. The local runtime checks nothing.
 */
export type RequestAuthorizer = (
  request: { method: string; path: string; headers: Record<string, string>; body: Buffer },
  action: string,
  resource: string,
) => Promise<string | undefined>;

export interface FunctionHostOptions {
  definitions?: Record<string, FunctionDefinition>;
  modules?: Record<string, FunctionModule>;
  functionsDir?: string;
  region: string;
  log: LocalLog;
  /** Resolves once the environment is in place; invocations wait for it. */
  ready?: Promise<void>;
}

/**
 * Runs the FUNCTIONS entries the way Lambda does: the module is loaded once (its init, like a
 * cold start, is not counted against the timeout), then each invocation gets a fresh context
 * and is cut off at the definition's timeout.
 */
export class FunctionHost implements Invoker {
  readonly definitions: Record<string, FunctionDefinition>;
  private readonly loaded = new Map<string, Promise<FunctionModule>>();
  private readonly functionsDir: string;

  constructor(private readonly options: FunctionHostOptions) {
    this.definitions = { ...FUNCTIONS, ...options.definitions };
    this.functionsDir = options.functionsDir ?? resolve(import.meta.dirname, '../../functions');
    for (const [name, module] of Object.entries(options.modules ?? {})) {
      this.loaded.set(name, Promise.resolve(module));
    }
  }

  has(name: string): boolean {
    return Object.hasOwn(this.definitions, name);
  }

  names(): string[] {
    return Object.keys(this.definitions);
  }

  definition(name: string): FunctionDefinition {
    const definition = this.has(name) ? this.definitions[name] : undefined;
    if (!definition) throw new Error(`no function named "${name}"`);
    return definition;
  }

  async invoke(name: string, event: unknown): Promise<InvokeOutcome> {
    const definition = this.definition(name);
    const requestId = lambdaRequestId();
    const scope = { functionName: name, requestId, lines: [] as string[] };
    await this.options.ready;
    let module: FunctionModule;
    try {
      module = await this.load(name, definition);
    } catch (error) {
      this.options.log.error('lambda', `${name} failed to initialize`, { error });
      return {
        ok: false,
        timedOut: false,
        requestId,
        durationMs: 0,
        logs: scope.lines,
        error: errorPayload(error, 'Runtime.ImportModuleError'),
      };
    }
    const started = performance.now();
    const context = createLambdaContext({
      functionName: name,
      definition,
      requestId,
      region: this.options.region,
    });
    const timeoutMs = definition.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolveTimeout) => {
      timer = setTimeout(() => resolveTimeout('timeout'), timeoutMs);
    });
    const run = invocationScope.run(scope, () =>
      callHandler(module.handler as LambdaHandler, event, context),
    );
    try {
      const settled = await Promise.race([run.then((result) => ({ result })), timeout]);
      const durationMs = Math.round(performance.now() - started);
      if (settled === 'timeout') {
        this.options.log.error('lambda', `${name} timed out after ${definition.timeoutSeconds} s`, {
          requestId,
        });
        // The promise keeps running, as a frozen Lambda sandbox would; its outcome is dropped.
        run.catch(() => undefined);
        return {
          ok: false,
          timedOut: true,
          requestId,
          durationMs,
          logs: scope.lines,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${definition.timeoutSeconds.toFixed(2)} seconds`,
          },
        };
      }
      return { ok: true, result: settled.result, requestId, durationMs, logs: scope.lines };
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      this.options.log.error('lambda', `${name} failed: ${errorChain(error)}`, { requestId });
      return {
        ok: false,
        timedOut: false,
        requestId,
        durationMs,
        logs: scope.lines,
        error: errorPayload(error, 'Error'),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private load(name: string, definition: FunctionDefinition): Promise<FunctionModule> {
    let module = this.loaded.get(name);
    if (!module) {
      const path = resolve(this.functionsDir, definition.entry);
      module = import(pathToFileURL(path).href).then((exports: Partial<FunctionModule>) => {
        if (typeof exports.handler !== 'function') {
          const error = new Error(`${definition.entry} does not export a function named handler`);
          error.name = 'Runtime.HandlerNotFound';
          throw error;
        }
        return exports as FunctionModule;
      });
      // A failed import is retried on the next invocation, as Lambda retries a failed init.
      module.catch(() => this.loaded.delete(name));
      this.loaded.set(name, module);
    }
    return module;
  }
}

/**
 * Async handlers answer with their promise; callback-style ones through the callback. Either
 * way a throw becomes a rejected invocation.
 */
function callHandler(handler: LambdaHandler, event: unknown, context: Context): Promise<unknown> {
  return new Promise((resolveResult, reject) => {
    const callback = (error?: unknown, result?: unknown) => {
      if (error !== undefined && error !== null) reject(error);
      else resolveResult(result);
    };
    try {
      const returned = handler(event, context, callback);
      if (isThenable(returned)) returned.then(resolveResult, reject);
      else if (handler.length < 3) resolveResult(returned);
    } catch (error) {
      reject(error);
    }
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function errorPayload(error: unknown, fallbackType: string): LambdaErrorPayload {
  if (error instanceof Error) {
    return {
      errorType: error.name || fallbackType,
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: fallbackType, errorMessage: String(error) };
}
