import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `<data folder>/runtime.json`: how other local tools (npm run token, npm run dlq) find the
 * running `npm start` — its URLs and the app JWT secret it verifies with, which with
 * `--memory` exists nowhere else. Written at start (owner-only), removed at stop; a file left
 * by a runtime that died is recognised by its pid and ignored.
 */
export const RUNTIME_FILE = 'runtime.json';

export interface RuntimeInfo {
  pid: number;
  startedAt: string;
  httpUrl: string;
  wsUrl: string;
  invokeEndpoint: string;
  /** The `@connections` endpoint, and the DynamoDB endpoint and tables the handlers use. */
  managementEndpoint?: string;
  dynamoEndpoint?: string;
  tableNames?: Record<string, string>;
  /** The data folder in use, or null with `--memory`. */
  dataDir: string | null;
  /** The secret app JWTs must be signed with to be accepted by this runtime. */
  appJwtSecret?: string;
}

export function runtimeFilePath(dataDir: string): string {
  return join(dataDir, RUNTIME_FILE);
}

export function writeRuntimeFile(dataDir: string, info: RuntimeInfo): string {
  mkdirSync(dataDir, { recursive: true });
  const path = runtimeFilePath(dataDir);
  writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** Removes the file only if this process wrote it: a second runtime's file is left alone. */
export function removeRuntimeFile(dataDir: string, pid = process.pid): void {
  if (readRuntimeFile(dataDir, { checkAlive: false })?.pid === pid) {
    rmSync(runtimeFilePath(dataDir), { force: true });
  }
}

/** The running runtime's info, or undefined when none is running (no file, or a stale one). */
export function readRuntimeFile(
  dataDir: string,
  options: { checkAlive?: boolean } = {},
): RuntimeInfo | undefined {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(readFileSync(runtimeFilePath(dataDir), 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
  if (typeof info.pid !== 'number' || typeof info.httpUrl !== 'string') return undefined;
  if (options.checkAlive !== false && !isAlive(info.pid)) return undefined;
  return info;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
