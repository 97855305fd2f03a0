import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CONSOLE_PAGE_FILE_NAME,
  type FunctionDefinition,
} from '../functions/definitions/functions';

/** The repository root: entries and the lock file are resolved from here, not from the cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Name of the bridges file inside every bundle; the runtime resolves it against LAMBDA_TASK_ROOT. */
export const BUNDLED_BRIDGES_FILE = 'bridges.json';

/**
 * `esbuild` bundles for real (what `cdk synth`/deploy use). `skip` puts a placeholder inline
 * handler in place of the bundle so stack unit tests synthesize in milliseconds; everything
 * else about the function (runtime, memory, env, role, logs) is identical.
 */
export type BundlingMode = 'esbuild' | 'skip';

export interface HouseFunctionProps {
  definition: FunctionDefinition;
  /** Absolute path of the validated bridges file, copied into the bundle. */
  bridgesFile: string;
  environment: Record<string, string | undefined>;
  bundlingMode: BundlingMode;
  /**
   * For asynchronously invoked functions: where an event goes, unchanged, once Lambda's
   * retries are spent, so it can be replayed instead of lost.
   */
  deadLetterQueue?: IQueue;
  /** At most this many instances at once (and always this many available); unset: no limit. */
  reservedConcurrentExecutions?: number;
}

/** ESM bundles still meet dependencies that call `require`; this gives them one. */
const ESM_REQUIRE_SHIM =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * The one way this project builds a Lambda: Node.js 22 on arm64, an ESM bundle with the AWS
 * SDK inside (tree-shaken, not the runtime's copy), source maps on, X-Ray active, a log group
 * with explicit retention, and its own role that may write only to that log group (no
 * AWSLambdaBasicExecutionRole, whose logs permissions cover every log group).
 */
export class HouseFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    super(scope, id);
    const { definition } = props;

    this.logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${id}: ${definition.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      description: definition.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: definition.memorySize,
      timeout: Duration.seconds(definition.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        ...definedValues({ ...props.environment, BRIDGES_FILE: BUNDLED_BRIDGES_FILE }),
        NODE_OPTIONS: '--enable-source-maps',
      },
      ...(props.deadLetterQueue && { deadLetterQueue: props.deadLetterQueue }),
      ...(props.reservedConcurrentExecutions !== undefined && {
        reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      }),
      ...(props.bundlingMode === 'skip'
        ? {
            code: Code.fromInline('export const handler = async () => undefined;'),
            handler: 'index.handler',
          }
        : esbuildOptions(definition, props.bridgesFile)),
    });
  }
}

/**
 * esbuild aliases for every Lambda bundle, each cutting what a cold start would load for
 * nothing: the SDK's default credential chain becomes the environment provider Lambda always
 * satisfies (functions/infra/lambda-credentials.ts), and jsonwebtoken's `semver` a stand-in
 * for the three version checks it makes (functions/infra/lambda-semver.ts).
 */
export const LAMBDA_ESBUILD_ALIASES = {
  '--alias:@aws-sdk/credential-provider-node': `${PROJECT_ROOT}functions/infra/lambda-credentials.ts`,
  '--alias:semver': `${PROJECT_ROOT}functions/infra/lambda-semver.ts`,
};

function esbuildOptions(definition: FunctionDefinition, bridgesFile: string) {
  return {
    entry: `${PROJECT_ROOT}functions/${definition.entry}`,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
    bundling: {
      format: OutputFormat.ESM,
      target: 'node22',
      minify: true,
      keepNames: true,
      sourceMap: true,
      // Stack traces need the mappings, not the sources: keeps the bundle small.
      sourcesContent: false,
      externalModules: [],
      mainFields: ['module', 'main'],
      banner: ESM_REQUIRE_SHIM,
      esbuildArgs: LAMBDA_ESBUILD_ALIASES,
      // The documented default (warnings only) is not what the construct passes: without it
      // esbuild prints every bundle's size, 4 lines per function, on every synth.
      logLevel: LogLevel.WARNING,
      // esbuild is a dev dependency: `cdk synth` never needs Docker.
      forceDockerBundling: false,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir: string, outputDir: string) => [
          `cp ${shellQuote(bridgesFile)} ${shellQuote(`${outputDir}/${BUNDLED_BRIDGES_FILE}`)}`,
          // The page is browser code: its own esbuild run, written where the handler reads it.
          ...(definition.withConsolePage
            ? [
                `cd ${shellQuote(PROJECT_ROOT)} && npx tsx scripts/build-console.ts ${shellQuote(`${outputDir}/${CONSOLE_PAGE_FILE_NAME}`)}`,
              ]
            : []),
        ],
      },
    },
  };
}

function definedValues(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
