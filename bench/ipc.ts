/**
 * Request/response over a forked child's IPC channel, so the end-to-end bench can keep the
 * load generators (WebSocket clients, webhook poster, provider servers) out of the process
 * that runs the bridge, as they would be in real life.
 */
import { fork, type ChildProcess } from 'node:child_process';

interface Request {
  id: number;
  method: string;
  args: unknown;
}
type Response = { id: number; result: unknown } | { id: number; error: string };

export interface Peer {
  call<T>(method: string, args?: unknown): Promise<T>;
  /** The first message the child sends on its own (its `ready` payload). */
  ready: Promise<unknown>;
  close(): Promise<void>;
}

export function forkPeer(file: string, env: Record<string, string> = {}): Peer {
  const child: ChildProcess = fork(file, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 0;
  let resolveReady!: (value: unknown) => void;
  const ready = new Promise((resolve) => (resolveReady = resolve));
  child.on('message', (message: { ready: unknown } | Response) => {
    if ('ready' in message) return resolveReady(message.ready);
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if ('error' in message) waiter.reject(new Error(String(message.error)));
    else waiter.resolve(message.result);
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`peer exited with ${code}`));
    pending.clear();
  });
  return {
    ready,
    call: <T>(method: string, args?: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, method, args } satisfies Request);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ id: -1, method: 'exit', args: null } satisfies Request);
      }),
  };
}

/** In the child: answer the parent's calls with these handlers; `exit` ends the process. */
export function servePeer(
  handlers: Record<string, (args: never) => Promise<unknown>>,
  onExit: () => Promise<void>,
): void {
  process.on('message', (message: Request) => {
    if (message.method === 'exit') {
      void onExit().finally(() => process.exit(0));
      return;
    }
    const handler = handlers[message.method];
    const reply = (response: Response) => process.send?.(response);
    if (!handler) return reply({ id: message.id, error: `no method ${message.method}` });
    handler(message.args as never).then(
      (result) => reply({ id: message.id, result }),
      (error: unknown) =>
        reply({ id: message.id, error: error instanceof Error ? error.stack! : String(error) }),
    );
  });
}

/** Milliseconds on the system-wide monotonic clock: comparable across processes on one machine. */
export const monoMs = () => Number(process.hrtime.bigint()) / 1e6;
