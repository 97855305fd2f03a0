import { AsyncLocalStorage } from 'node:async_hooks';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** What the current invocation is, so a handler's own log lines say which function wrote them. */
export interface InvocationScope {
  functionName: string;
  requestId: string;
  /** Lines written during the invocation, for the Invoke API's `X-Amz-Log-Type: Tail`. */
  lines: string[];
}

export const invocationScope = new AsyncLocalStorage<InvocationScope>();

export interface LocalLogOptions {
  /** Only warnings and errors: no line per request, message or batch. */
  quiet?: boolean;
  /** One JSON object per line instead of the readable form. */
  json?: boolean;
  /** Lowest level shown; LOG_LEVEL or `info` by default. */
  level?: LogLevel;
  write?: (line: string, level: LogLevel) => void;
}

export interface LocalLog {
  debug(kind: string, message: string, fields?: Record<string, unknown>): void;
  info(kind: string, message: string, fields?: Record<string, unknown>): void;
  warn(kind: string, message: string, fields?: Record<string, unknown>): void;
  error(kind: string, message: string, fields?: Record<string, unknown>): void;
  /** Sink for the handlers' structured logger (functions/core/log.ts), one JSON line each. */
  handlerLine(line: string, level: LogLevel): void;
  readonly json: boolean;
}

const defaultWrite = (line: string, level: LogLevel) => {
  if (level === 'error' || level === 'warn') process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
};

/**
 * The local runtime's log: one readable line per HTTP request, WebSocket event and stream
 * batch (`--quiet` drops those), errors with their cause chain, or JSON lines with
 * `--json-logs` for tools.
 */
export function createLocalLog(options: LocalLogOptions = {}): LocalLog {
  const json = options.json ?? false;
  const envLevel = process.env.LOG_LEVEL as LogLevel | undefined;
  const base = ORDER[options.level ?? (envLevel && envLevel in ORDER ? envLevel : 'info')];
  const threshold = options.quiet ? Math.max(base, ORDER.warn) : base;
  const write = options.write ?? defaultWrite;

  const emit = (
    level: LogLevel,
    kind: string,
    message: string,
    fields: Record<string, unknown> = {},
  ) => {
    if (ORDER[level] < threshold) return;
    const scope = invocationScope.getStore();
    if (json) {
      const entry = { level, time: new Date().toISOString(), kind, message, ...plain(fields) };
      write(JSON.stringify(entry), level);
    } else {
      const tag = level === 'info' || level === 'debug' ? '' : `${level.toUpperCase()} `;
      write(`${clock()} ${kind.padEnd(6)} ${tag}${message}${formatFields(fields)}`, level);
    }
    scope?.lines.push(`${level} ${message}${formatFields(fields)}`);
  };

  return {
    json,
    debug: (kind, message, fields) => emit('debug', kind, message, fields),
    info: (kind, message, fields) => emit('info', kind, message, fields),
    warn: (kind, message, fields) => emit('warn', kind, message, fields),
    error: (kind, message, fields) => emit('error', kind, message, fields),
    handlerLine: (line, level) => {
      const scope = invocationScope.getStore();
      scope?.lines.push(line);
      if (ORDER[level] < threshold) return;
      if (json) {
        write(scope ? withFunction(line, scope.functionName) : line, level);
        return;
      }
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        write(`${clock()} ${(scope?.functionName ?? 'fn').padEnd(6)} ${line}`, level);
        return;
      }
      const { level: _level, time: _time, message, service: _service, ...rest } = entry;
      const tag = level === 'info' || level === 'debug' ? '' : `${level.toUpperCase()} `;
      write(
        `${clock()} ${(scope?.functionName ?? 'fn').padEnd(6)} ${tag}${String(message)}${formatFields(rest)}`,
        level,
      );
    },
  };
}

function withFunction(line: string, functionName: string): string {
  try {
    return JSON.stringify({ ...(JSON.parse(line) as object), function: functionName });
  } catch {
    return line;
  }
}

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

/** Errors keep their name, message and cause chain; everything else stays as it is. */
function plain(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      inner instanceof Error ? errorChain(inner) : inner,
    ]),
  );
}

export function errorChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    if (current instanceof Error) {
      parts.push(`${current.name}: ${current.message}`);
      current = current.cause;
    } else if (typeof current === 'object' && 'message' in current) {
      const { name, message, cause } = current as {
        name?: unknown;
        message?: unknown;
        cause?: unknown;
      };
      parts.push(`${typeof name === 'string' ? name : 'Error'}: ${String(message)}`);
      current = cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return parts.join(' <- caused by ');
}

function formatFields(fields: Record<string, unknown>): string {
  const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return '';
  return (
    '  ' +
    entries
      .map(([key, value]) => {
        if (value instanceof Error || (key === 'error' && typeof value === 'object')) {
          return `${key}="${errorChain(value)}"`;
        }
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        return `${key}=${text}`;
      })
      .join(' ')
  );
}
