/**
 * List or replay failed deliveries parked in the dead-letter queue.
 *
 *   npm run dlq -- list                      # against the local runtime (npm start)
 *   npm run dlq -- replay [--event <id>]
 *   npm run dlq -- list --function <name>    # on AWS: the DeadLetters function name from the stack outputs
 *
 * It invokes the DeadLetters Lambda with the real @aws-sdk/client-lambda, so the same code
 * path runs locally (through the local Lambda Invoke API) and on AWS.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    event: { type: 'string' },
    max: { type: 'string' },
    function: { type: 'string' },
    endpoint: { type: 'string' },
    data: { type: 'string', default: '.local-data' },
  },
});
const action = positionals[0];
if (action !== 'list' && action !== 'replay') {
  console.error(
    'usage: npm run dlq -- list|replay [--event <id>] [--max N] [--function <name>] [--endpoint <url>]',
  );
  process.exit(2);
}

function localEndpoint(): string | undefined {
  try {
    const info = JSON.parse(readFileSync(resolve(values.data!, 'runtime.json'), 'utf8')) as {
      httpUrl?: string;
    };
    return info.httpUrl;
  } catch {
    return undefined;
  }
}

const onAws = values.function !== undefined && values.endpoint === undefined;
const endpoint =
  values.endpoint ?? (onAws ? undefined : (localEndpoint() ?? 'http://127.0.0.1:3000'));
const client = new LambdaClient(
  endpoint
    ? {
        endpoint,
        region: process.env.AWS_REGION ?? 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }
    : {},
);
const response = await client.send(
  new InvokeCommand({
    FunctionName: values.function ?? 'DeadLetters',
    Payload: Buffer.from(
      JSON.stringify({
        action,
        ...(values.event && { eventId: values.event }),
        ...(values.max && { max: Number(values.max) }),
      }),
    ),
  }),
);
const payload = response.Payload ? Buffer.from(response.Payload).toString('utf8') : 'null';
if (response.FunctionError) {
  console.error(`DeadLetters failed: ${payload}`);
  process.exit(1);
}
console.log(JSON.stringify(JSON.parse(payload), null, 2));
