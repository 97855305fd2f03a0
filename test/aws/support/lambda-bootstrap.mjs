// One Lambda sandbox: what the Node.js runtime does with a deployment package, in a process of
// its own (plain JavaScript, no loader: the bundle runs exactly as Lambda loads it). `_HANDLER`
// names the file and export ("index.handler" -> index.mjs, index.js or index.cjs under
// LAMBDA_TASK_ROOT); the module is loaded once (the cold start) and each invocation arrives as
// an IPC message and answers with its result or its error, as the runtime API would.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, exportName] = (process.env._HANDLER ?? '').split('.');
const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();

function errorPayload(error, fallbackType) {
  if (error instanceof Error) {
    return {
      errorType: error.name || fallbackType,
      errorMessage: error.message,
      trace: String(error.stack ?? '').split('\n'),
    };
  }
  return { errorType: fallbackType, errorMessage: String(error) };
}

async function loadHandler() {
  const path = ['.mjs', '.js', '.cjs'].map((ext) => join(root, `${file}${ext}`)).find(existsSync);
  if (!path)
    throw Object.assign(new Error(`Cannot find module '${file}'`), {
      name: 'Runtime.ImportModuleError',
    });
  const module = await import(pathToFileURL(path).href);
  const handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${file}.${exportName} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler;
}

function call(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

let handler;
let initError;
try {
  handler = await loadHandler();
} catch (error) {
  initError = errorPayload(error, 'Runtime.ImportModuleError');
}

process.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  if (initError) {
    process.send({ type: 'result', id: message.id, ok: false, error: initError });
    return;
  }
  process.env._X_AMZN_TRACE_ID = message.traceId;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: message.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  console.log(`START RequestId: ${message.requestId} Version: $LATEST`);
  try {
    const result = await call(handler, message.event, context);
    process.send({ type: 'result', id: message.id, ok: true, result: result ?? null });
  } catch (error) {
    console.error(
      `${message.requestId} ERROR Invoke Error ${error?.name ?? 'Error'}: ${error?.message ?? error}`,
    );
    process.send({
      type: 'result',
      id: message.id,
      ok: false,
      error: errorPayload(error, 'Error'),
    });
  } finally {
    console.log(`END RequestId: ${message.requestId}`);
  }
});

process.send({ type: 'ready' });
