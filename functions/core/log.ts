/* eslint-disable no-console -- this module is the one place that writes log lines */

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Keys whose values never reach a log line, whatever object they sit in. */
const SECRET_KEY = /secret|token|password|authorization|api[-_]?key|private|credential|^key$/i;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { name: value.name, message: value.message, cause: redact(value.cause, depth + 1) };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) ? '[redacted]' : redact(inner, depth + 1),
    ]),
  );
}

export type LogSink = (line: string, level: Level) => void;

const defaultSink: LogSink = (line, level) => {
  if (level === 'error') console.error(line);
  else console.log(line);
};

/** Structured JSON logs, one line per call, secrets redacted by key name. */
export function createLogger(
  base: Record<string, unknown> = {},
  options: { level?: Level; sink?: LogSink } = {},
): Logger {
  // The level is configuration: the runtime reads LOG_LEVEL and passes it in.
  const threshold = ORDER[options.level ?? 'info'] ?? 20;
  const sink = options.sink ?? defaultSink;
  const write = (level: Level, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < threshold) return;
    const entry = { level, time: new Date().toISOString(), message, ...base, ...fields };
    sink(JSON.stringify(redact(entry)), level);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, options),
  };
}
