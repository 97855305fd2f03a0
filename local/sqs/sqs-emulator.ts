import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredMessage {
  MessageId: string;
  Body: string;
  MessageAttributes?: Record<string, unknown>;
  receiptHandle?: string;
  invisibleUntil: number;
}

export interface SqsEmulator {
  endpoint: string;
  queueUrl(name: string): string;
  /** Messages currently in a queue, for tests and the banner. */
  messages(name: string): { MessageId: string; Body: string }[];
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';

/**
 * Just enough of Amazon SQS (the AWS JSON 1.0 protocol the v3 SDK speaks) for the bridge's
 * dead-letter queue to run locally through the real `@aws-sdk/client-sqs`: SendMessage,
 * ReceiveMessage (with visibility timeout), DeleteMessage, GetQueueUrl, GetQueueAttributes,
 * PurgeQueue. Queues persist to `file` when given, so parked deliveries survive a restart.
 */
export async function startSqsEmulator(
  options: { port?: number; host?: string; file?: string; queues?: string[] } = {},
): Promise<SqsEmulator> {
  const queues = new Map<string, StoredMessage[]>();
  if (options.file) {
    try {
      const saved = JSON.parse(readFileSync(options.file, 'utf8')) as Record<
        string,
        StoredMessage[]
      >;
      for (const [name, list] of Object.entries(saved)) queues.set(name, list);
    } catch {
      // No saved queues yet.
    }
  }
  for (const name of options.queues ?? []) if (!queues.has(name)) queues.set(name, []);
  const persist = () => {
    if (options.file) writeFileSync(options.file, JSON.stringify(Object.fromEntries(queues)));
  };
  const host = options.host ?? '127.0.0.1';
  let endpoint = '';
  const queueName = (url: unknown) => {
    const name = typeof url === 'string' ? url.split('/').pop() : undefined;
    if (!name || !queues.has(name))
      throw Object.assign(new Error(`queue ${String(url)} does not exist`), {
        type: 'QueueDoesNotExist',
      });
    return name;
  };
  const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

  const actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetQueueUrl: (input) => ({
      QueueUrl: `${endpoint}/${ACCOUNT}/${queueName(`/${String(input.QueueName)}`)}`,
    }),
    SendMessage: (input) => {
      const name = queueName(input.QueueUrl);
      const body = String(input.MessageBody ?? '');
      const message: StoredMessage = {
        MessageId: randomUUID(),
        Body: body,
        ...(input.MessageAttributes !== undefined && {
          MessageAttributes: input.MessageAttributes as Record<string, unknown>,
        }),
        invisibleUntil: 0,
      };
      queues.get(name)!.push(message);
      persist();
      return { MessageId: message.MessageId, MD5OfMessageBody: md5(body) };
    },
    ReceiveMessage: (input) => {
      const name = queueName(input.QueueUrl);
      const max = Math.min(10, Number(input.MaxNumberOfMessages ?? 1));
      const visibilityMs = Number(input.VisibilityTimeout ?? 30) * 1000;
      const now = Date.now();
      const picked = queues
        .get(name)!
        .filter((m) => m.invisibleUntil <= now)
        .slice(0, max);
      for (const message of picked) {
        message.receiptHandle = randomUUID();
        message.invisibleUntil = now + visibilityMs;
      }
      persist();
      return {
        Messages: picked.map((m) => ({
          MessageId: m.MessageId,
          ReceiptHandle: m.receiptHandle,
          MD5OfBody: md5(m.Body),
          Body: m.Body,
          ...(m.MessageAttributes && { MessageAttributes: m.MessageAttributes }),
        })),
      };
    },
    ChangeMessageVisibilityBatch: (input) => {
      const list = queues.get(queueName(input.QueueUrl))!;
      const entries = (input.Entries ?? []) as {
        Id: string;
        ReceiptHandle: string;
        VisibilityTimeout?: number;
      }[];
      const now = Date.now();
      for (const entry of entries) {
        const message = list.find((m) => m.receiptHandle === entry.ReceiptHandle);
        if (message) message.invisibleUntil = now + Number(entry.VisibilityTimeout ?? 0) * 1000;
      }
      persist();
      return { Successful: entries.map((entry) => ({ Id: entry.Id })), Failed: [] };
    },
    DeleteMessage: (input) => {
      const list = queues.get(queueName(input.QueueUrl))!;
      const index = list.findIndex((m) => m.receiptHandle === input.ReceiptHandle);
      if (index >= 0) list.splice(index, 1);
      persist();
      return {};
    },
    ChangeMessageVisibility: (input) => {
      const list = queues.get(queueName(input.QueueUrl))!;
      const message = list.find((m) => m.receiptHandle === input.ReceiptHandle);
      if (!message) {
        throw Object.assign(new Error('the receipt handle is not valid'), {
          type: 'ReceiptHandleIsInvalid',
        });
      }
      message.invisibleUntil = Date.now() + Number(input.VisibilityTimeout ?? 0) * 1000;
      persist();
      return {};
    },
    GetQueueAttributes: (input) => {
      const list = queues.get(queueName(input.QueueUrl))!;
      const now = Date.now();
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(list.filter((m) => m.invisibleUntil <= now).length),
          ApproximateNumberOfMessagesNotVisible: String(
            list.filter((m) => m.invisibleUntil > now).length,
          ),
        },
      };
    },
    PurgeQueue: (input) => {
      queues.set(queueName(input.QueueUrl), []);
      persist();
      return {};
    },
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const action = actions[target.replace(/^AmazonSQS\./, '')];
      const send = (status: number, body: unknown, errorType?: string) => {
        response.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          ...(errorType && { 'x-amzn-query-error': `AWS.SimpleQueueService.${errorType};Sender` }),
        });
        response.end(JSON.stringify(body));
      };
      if (!action) {
        send(400, {
          __type: 'com.amazonaws.sqs#InvalidAction',
          message: `unsupported action ${target}`,
        });
        return;
      }
      try {
        send(
          200,
          action(
            JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
          ),
        );
      } catch (error) {
        const type = (error as { type?: string }).type ?? 'InvalidParameterValue';
        send(400, { __type: `com.amazonaws.sqs#${type}`, message: (error as Error).message }, type);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  endpoint = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl: (name) => `${endpoint}/${ACCOUNT}/${name}`,
    messages: (name) =>
      (queues.get(name) ?? []).map((m) => ({ MessageId: m.MessageId, Body: m.Body })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
