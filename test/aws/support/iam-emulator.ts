import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { RequestAuthorizer } from '../../../local/lambda/function-host';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One authorization moto made: who, which action, on which resource, and the verdict. */
export interface Decision {
  principal: string;
  action: string;
  resource: string;
  allowed: boolean;
}

export interface IamEmulator {
  endpoint: string;
  region: string;
  accountId: string;
  /** The operator's own identity (Allow * on *): provisioning and reading effects back. */
  operator: Credentials;
  /** From now on every request needs a signature and a policy that allows it. */
  enforce(): Promise<void>;
  /** For the local servers moto does not emulate (IVS Chat, Invoke API, @connections). */
  authorize: RequestAuthorizer;
  decisions(): Promise<Decision[]>;
  close(): Promise<void>;
}

const EMULATOR_SCRIPT = resolve(import.meta.dirname, '../emulator/iam_emulator.py');

/**
 * moto_server (test/aws/emulator/iam_emulator.py) on a free loopback port, IAM not yet
 * enforced, with an operator user to provision with. Fails with what to install when python3
 * or moto is missing: CI must not skip this profile.
 */
export async function startIamEmulator(options: {
  region: string;
  accountId: string;
}): Promise<IamEmulator> {
  const child = spawn('python3', [EMULATOR_SCRIPT, '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      MOTO_ACCOUNT_ID: options.accountId,
      // AWS managed policies (AWSLambdaBasicExecutionRole) exist only when moto loads them.
      MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
      PYTHONUNBUFFERED: '1',
    },
  });
  const port = await readyPort(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const iam = new IAMClient({
    endpoint,
    region: options.region,
    credentials: { accessKeyId: 'provisioning', secretAccessKey: 'provisioning' },
  });
  await iam.send(new CreateUserCommand({ UserName: 'profile-operator' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'profile-operator',
      PolicyName: 'operator',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'profile-operator' }));
  iam.destroy();
  const post = async (path: string, body: string) => {
    const response = await fetch(`${endpoint}${path}`, { method: 'POST', body });
    if (!response.ok) throw new Error(`emulator ${path}: ${response.status}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  return {
    endpoint,
    region: options.region,
    accountId: options.accountId,
    operator: {
      accessKeyId: key.AccessKey!.AccessKeyId!,
      secretAccessKey: key.AccessKey!.SecretAccessKey!,
    },
    enforce: async () => {
      await post('/moto-api/reset-auth', '0');
    },
    authorize: async (request, action, resource) => {
      const [service, operation] = action.split(':');
      const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(
        request.headers.authorization ?? '',
      )?.[1];
      if (scope !== service) {
        return `request is signed for "${scope ?? 'nothing'}", not ${service}`;
      }
      const verdict = await post(
        '/_iam/authorize',
        JSON.stringify({
          method: request.method,
          path: request.path,
          headers: request.headers,
          body: request.body.toString('base64'),
          action: operation,
          resources: [resource],
        }),
      );
      return verdict.allowed ? undefined : String(verdict.message);
    },
    decisions: async () => {
      const response = await fetch(`${endpoint}/_iam/decisions`);
      return (await response.json()) as Decision[];
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function readyPort(child: ChildProcess): Promise<number> {
  const errors: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    if (errors.length < 50) errors.push(chunk.toString('utf8'));
  });
  const lines = createInterface({ input: child.stdout! });
  return new Promise<number>((resolvePort, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start python3 for the IAM emulator: ${error.message}`)),
    );
    child.once('exit', (code) =>
      reject(
        new Error(
          `the IAM emulator exited (${code}) before it was ready; it needs python3 with moto 5 ` +
            `(pip install 'moto[server]'):\n${errors.join('')}`,
        ),
      ),
    );
    lines.on('line', (line) => {
      const match = /^ready (\d+)$/.exec(line);
      if (match) resolvePort(Number(match[1]));
    });
  });
}
