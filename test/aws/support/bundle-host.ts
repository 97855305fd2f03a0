import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { InvokeOutcome, Invoker } from '../../../local/lambda/function-host';
import type { Credentials } from './iam-emulator';

/** One function of the synthesized stack, ready to run as Lambda would run it. */
export interface HostedFunction {
  logicalId: string;
  /** The physical name: what routes, mappings and the relay's FANOUT_FUNCTION_NAME invoke. */
  name: string;
  arn: string;
  /** `index.handler` */
  handler: string;
  /** The bundled asset folder (cdk.out/asset.<hash>), the package Lambda unzips. */
  taskRoot: string;
  /** The function's synthesized Environment.Variables, resolved. */
  environment: Record<string, string>;
  /** Variables the emulated AWS adds (service endpoints): Lambda itself sets none of them. */
  endpoints: Record<string, string>;
  credentials: Credentials;
  /** The execution role's name (its session is the function's name). */
  roleName: string;
  timeoutSeconds: number;
  memorySize: number;
  runtime: string;
  /** Where Lambda writes the function's output (LoggingConfig, else /aws/lambda/<name>). */
  logGroupName: string;
  /** The function's own log group exists only when Lambda makes it (CreateLogGroup, role's). */
  createsLogGroup: boolean;
  /** DeadLetterConfig: where an async invocation goes after Lambda's retries. */
  deadLetterQueueUrl?: string;
}

interface Sandbox {
  child: ChildProcess;
  busy: boolean;
  ready: Promise<void>;
  logStream: string;
  logStreamCreated: boolean;
  pending: Map<string, (message: ResultMessage) => void>;
  lines: string[];
}

type ResultMessage =
  | { type: 'result'; id: string; ok: true; result: unknown }
  | { type: 'result'; id: string; ok: false; error: { errorType: string; errorMessage: string } };

const BOOTSTRAP = resolve(import.meta.dirname, 'lambda-bootstrap.mjs');

/** Lambda retries a failed asynchronous invocation twice before its dead-letter queue. */
const ASYNC_ATTEMPTS = 3;

/**
 * The stack's functions as Lambda runs them: each sandbox a fresh Node process of the bundled
 * asset with exactly the synthesized environment, the runtime's reserved variables and the
 * execution role's credentials (nothing of this process's environment leaks in). One
 * invocation at a time per sandbox; a busy function gets another sandbox, as under concurrent
 * load. What a sandbox prints goes to the function's log group through the role, as Lambda
 * writes it; a failed async invocation goes to the function's DLQ through the role as well.
 */
export class BundleHost implements Invoker {
  private readonly functions = new Map<string, HostedFunction>();
  private readonly sandboxes = new Map<string, Sandbox[]>();
  /** Every line any sandbox of a function printed, by function name. */
  readonly output = new Map<string, string[]>();

  constructor(
    functions: readonly HostedFunction[],
    private readonly emulator: { endpoint: string; region: string },
  ) {
    for (const fn of functions) {
      this.functions.set(fn.name, fn);
      this.output.set(fn.name, []);
    }
  }

  has(name: string): boolean {
    return this.functions.has(name);
  }

  function(name: string): HostedFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no function named ${name} in the synthesized stack`);
    return fn;
  }

  byLogicalPrefix(prefix: string): HostedFunction {
    const found = [...this.functions.values()].filter((fn) => fn.logicalId.startsWith(prefix));
    if (found.length !== 1) throw new Error(`${found.length} functions start with ${prefix}`);
    return found[0]!;
  }

  all(): HostedFunction[] {
    return [...this.functions.values()];
  }

  async invoke(name: string, event: unknown): Promise<InvokeOutcome> {
    const fn = this.function(name);
    const sandbox = this.idleSandbox(fn);
    sandbox.busy = true;
    const started = performance.now();
    const requestId = randomUUID();
    const firstLine = sandbox.lines.length;
    try {
      await sandbox.ready;
      const id = randomUUID();
      const answer = new Promise<ResultMessage>((done) => sandbox.pending.set(id, done));
      sandbox.child.send({
        type: 'invoke',
        id,
        event,
        requestId,
        functionArn: fn.arn,
        deadline: Date.now() + fn.timeoutSeconds * 1000,
        traceId: `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
      });
      const message = await answer;
      // The END line is printed after the answer; give the pipe a moment to deliver it.
      await new Promise((done) => setImmediate(done));
      const logs = sandbox.lines.slice(firstLine);
      await this.shipLogs(fn, sandbox, logs);
      const durationMs = Math.round(performance.now() - started);
      return message.ok
        ? { ok: true, result: message.result, requestId, durationMs, logs }
        : { ok: false, error: message.error, timedOut: false, requestId, durationMs, logs };
    } finally {
      sandbox.busy = false;
    }
  }

  /**
   * An asynchronous invocation (CloudWatch Logs subscription, EventBridge schedule): Lambda
   * tries it three times, then sends the event to the function's DLQ with the role.
   */
  async invokeAsync(
    name: string,
    event: unknown,
  ): Promise<{ outcome: InvokeOutcome; attempts: number }> {
    let outcome: InvokeOutcome | undefined;
    for (let attempt = 1; attempt <= ASYNC_ATTEMPTS; attempt += 1) {
      outcome = await this.invoke(name, event);
      if (outcome.ok) return { outcome, attempts: attempt };
    }
    const fn = this.function(name);
    if (fn.deadLetterQueueUrl && outcome && !outcome.ok) {
      const sqs = this.client(fn, SQSClient);
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: fn.deadLetterQueueUrl,
          MessageBody: JSON.stringify(event),
          MessageAttributes: {
            RequestID: { DataType: 'String', StringValue: outcome.requestId },
            ErrorCode: { DataType: 'Number', StringValue: '200' },
            ErrorMessage: { DataType: 'String', StringValue: outcome.error.errorMessage },
          },
        }),
      );
      sqs.destroy();
    }
    return { outcome: outcome!, attempts: ASYNC_ATTEMPTS };
  }

  async close(): Promise<void> {
    const children = [...this.sandboxes.values()].flat().map((s) => s.child);
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
      ),
    );
  }

  private idleSandbox(fn: HostedFunction): Sandbox {
    const pool = this.sandboxes.get(fn.name) ?? [];
    this.sandboxes.set(fn.name, pool);
    const idle = pool.find((s) => !s.busy);
    if (idle) return idle;
    const sandbox = this.startSandbox(fn);
    pool.push(sandbox);
    return sandbox;
  }

  private startSandbox(fn: HostedFunction): Sandbox {
    const logStream = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const env: Record<string, string> = {
      ...fn.environment,
      ...fn.endpoints,
      // The runtime's reserved variables (docs: "Defined runtime environment variables").
      AWS_REGION: this.emulator.region,
      AWS_DEFAULT_REGION: this.emulator.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      AWS_ACCESS_KEY_ID: fn.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fn.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: fn.credentials.sessionToken ?? '',
      LAMBDA_TASK_ROOT: fn.taskRoot,
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      _HANDLER: fn.handler,
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
    };
    const child = fork(BOOTSTRAP, [], {
      cwd: fn.taskRoot,
      env,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const lines: string[] = [];
    const all = this.output.get(fn.name)!;
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        lines.push(line);
        all.push(line);
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const pending = new Map<string, (message: ResultMessage) => void>();
    const ready = new Promise<void>((done, fail) => {
      child.once('exit', (code, signal) =>
        fail(
          new Error(
            `${fn.name}'s sandbox exited (${code ?? signal}): ${lines.slice(-20).join('\n')}`,
          ),
        ),
      );
      child.on('message', (message: { type: string; id?: string }) => {
        if (message.type === 'ready') done();
        if (message.type === 'result') pending.get(message.id!)?.(message as ResultMessage);
      });
    });
    ready.catch(() => undefined);
    child.once('exit', () => {
      for (const done of pending.values()) {
        done({
          type: 'result',
          id: '',
          ok: false,
          error: { errorType: 'Runtime.ExitError', errorMessage: lines.slice(-20).join('\n') },
        });
      }
    });
    return { child, busy: false, ready, logStream, logStreamCreated: false, pending, lines };
  }

  /** What Lambda does with a sandbox's output: PutLogEvents to the function's group, as its role. */
  private async shipLogs(fn: HostedFunction, sandbox: Sandbox, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const logs = this.client(fn, CloudWatchLogsClient);
    try {
      if (!sandbox.logStreamCreated) {
        if (fn.createsLogGroup) {
          await logs
            .send(new CreateLogGroupCommand({ logGroupName: fn.logGroupName }))
            .catch((error: Error) => {
              if (error.name !== 'ResourceAlreadyExistsException') throw error;
            });
        }
        await logs.send(
          new CreateLogStreamCommand({
            logGroupName: fn.logGroupName,
            logStreamName: sandbox.logStream,
          }),
        );
        sandbox.logStreamCreated = true;
      }
      const now = Date.now();
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: fn.logGroupName,
          logStreamName: sandbox.logStream,
          logEvents: lines.map((message) => ({ timestamp: now, message })),
        }),
      );
    } finally {
      logs.destroy();
    }
  }

  /** A client of the Lambda service itself, acting with the function's role. */
  private client<T>(fn: HostedFunction, Client: new (config: object) => T): T {
    return new Client({
      endpoint: this.emulator.endpoint,
      region: this.emulator.region,
      credentials: fn.credentials,
      maxAttempts: 1,
    });
  }
}
