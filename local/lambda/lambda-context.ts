import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionDefinition } from '../../functions/definitions/functions';
import { LOCAL_ACCOUNT_ID } from './aws-ids';

/**
 * The Lambda context object a handler receives on AWS, with the remaining time counted down
 * from the definition's timeout, so code that budgets its work sees what it would see there.
 */
export function createLambdaContext(options: {
  functionName: string;
  definition: FunctionDefinition;
  requestId: string;
  region: string;
  startedAt?: number;
  now?: () => number;
}): Context {
  const now = options.now ?? Date.now;
  const startedAt = options.startedAt ?? now();
  const deadline = startedAt + options.definition.timeoutSeconds * 1000;
  const day = new Date(startedAt).toISOString().slice(0, 10).replace(/-/g, '/');
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is the legacy callback API; return a value instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${LOCAL_ACCOUNT_ID}:function:${options.functionName}`,
    memoryLimitInMB: String(options.definition.memorySize),
    awsRequestId: options.requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
