/**
 * List or replay failed deliveries parked in the dead-letter queue.
 *
 * It invokes the DeadLetters Lambda with the real @aws-sdk/client-lambda, so the same code
 * path runs locally (through the local Lambda Invoke API) and on AWS.
 */
import '../local/tooling/sdk-node-warning';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DEFAULT_DATA_DIR, loadDotEnv } from '../local/tooling/dev-config';
import { fail, parseScriptArgs, runningRuntime } from './cli';

const USAGE = `Usage: npm run dlq -- list|replay [options]

  list                     the failed deliveries parked in the dead-letter queue
  replay                   deliver them again (all, or one with --event)

Options:
  --event <id>             replay only this event's deliveries
  --max <n>                at most n messages
  --function <name>        on AWS: the DeadLettersFunctionName stack output (uses your AWS
                           credentials and region)
  --endpoint <url>         a Lambda Invoke endpoint to use instead (e.g. http://127.0.0.1:3000)
  --data <dir>             the local runtime's data folder (default ${DEFAULT_DATA_DIR}, or LOCAL_DATA_DIR)
  -h, --help               this text

Without --function or --endpoint it talks to the running \`npm start\`, found through
<data>/runtime.json.`;

async function main(): Promise<void> {
  loadDotEnv();
  const { values, positionals } = parseScriptArgs(
    {
      allowPositionals: true,
      options: {
        event: { type: 'string' },
        max: { type: 'string' },
        function: { type: 'string' },
        endpoint: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    USAGE,
  );
  const action = positionals[0];
  if (action !== 'list' && action !== 'replay') {
    fail(`${action ? `unknown command "${action}"` : 'a command is required'}\n\n${USAGE}`, 2);
  }
  if (values.max !== undefined && !/^[1-9]\d*$/.test(values.max)) {
    fail(`--max must be a positive whole number, got "${values.max}"`, 2);
  }

  const onAws = values.function !== undefined && values.endpoint === undefined;
  let endpoint = values.endpoint;
  if (!onAws && endpoint === undefined) {
    const { file, running } = runningRuntime(values.data);
    if (!running) {
      fail(
        `No local runtime is running (nothing live in ${file}).\n` +
          'Start it with `npm start` in another terminal, or for AWS pass ' +
          '--function <DeadLettersFunctionName from the stack outputs>.',
      );
    }
    endpoint = running.httpUrl;
  }

  const client = new LambdaClient(
    endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
  let response;
  try {
    response = await client.send(
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
  } catch (error) {
    const where = endpoint ?? `function ${values.function} on AWS`;
    fail(`Could not invoke DeadLetters at ${where}: ${(error as Error).message}`);
  }
  const payload = response.Payload ? Buffer.from(response.Payload).toString('utf8') : 'null';
  if (response.FunctionError) fail(`DeadLetters failed: ${payload}`);
  console.log(JSON.stringify(JSON.parse(payload), null, 2));
}

await main();
