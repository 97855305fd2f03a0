import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** `npm start` as its own process, so it can be killed (SIGKILL) and started again. */
export class RuntimeProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  lines: string[] = [];
  /** How the runtime ended when nobody asked it to (a crash of its own). */
  exits: string[] = [];

  constructor(
    private readonly options: {
      dataDir: string;
      port: number;
      wsPort: number;
      env: Record<string, string>;
    },
  ) {}

  get httpUrl(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'local/main.ts',
        '--data',
        this.options.dataDir,
        '--port',
        String(this.options.port),
        '--ws-port',
        String(this.options.wsPort),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...this.options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.exits.push(`exited by itself (code ${code}, signal ${signal})`);
    });
    const collect = (data: Buffer) => this.lines.push(...String(data).split('\n').filter(Boolean));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`runtime exited: ${this.lines.slice(-5).join('\n')}`);
      const ok = await fetch(`${this.httpUrl}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error('runtime did not become healthy');
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  /** SIGKILL: no drain, no shutdown hooks — a crash. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  /** Send `signal` to a running runtime and wait for it to exit. */
  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    this.stopping = true;
    child.kill(signal);
    await exited;
    this.stopping = false;
  }
}
