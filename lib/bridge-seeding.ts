import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  PhysicalResourceId,
  type AwsSdkCall,
} from 'aws-cdk-lib/custom-resources';
import { Stack } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/** The construct id CDK gives the singleton Lambda behind every AwsCustomResource. */
const AWS_CUSTOM_RESOURCE_SINGLETON = 'AWS679f53fac002430cb0da5b7982bd2287';
import {
  bridgeFileHash,
  bumpRevisionUpdate,
  seedBridgeUpdate,
} from '../functions/definitions/bridge-seed';

/** One small UpdateItem per call: the least memory that starts the SDK quickly. */
const SEEDING_MEMORY_MB = 256;

export interface BridgeSeedingProps {
  table: ITable;
  /** The validated bridges of the file, as the runtime parses them. */
  bridges: readonly { id: string }[];
  /** Written as createdAt/updatedAt of what a deploy seeds. */
  seededAt: string;
}

/**
 * Seeds the bridges table from the bridges file at deploy: one `AwsCustomResource` per
 * bridge making the very UpdateItem the local runtime makes on start (seedBridgeUpdate, whose
 * condition keeps an operator's change until the file's version of the bridge changes; that
 * refusal is ignored), then one revision bump so warm caches reload. Chosen over a seeding
 * Lambda of our own: no code to bundle, test and keep answering CloudFormation, and the write
 * is still the single shared definition. Bridges removed from the file stay in the table;
 * operators delete them through the API.
 */
export class BridgeSeeding extends Construct {
  readonly seeds: AwsCustomResource[] = [];
  readonly revision: AwsCustomResource;

  constructor(scope: Construct, id: string, props: BridgeSeedingProps) {
    super(scope, id);
    // UpdateItem on the bridges table only: the custom resources share one Lambda and role.
    const policy = AwsCustomResourcePolicy.fromStatements([
      new PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [props.table.tableArn] }),
    ]);
    const call = (parameters: object, physicalId: string, ignoreRefusal: boolean): AwsSdkCall => ({
      service: 'DynamoDB',
      action: 'UpdateItem',
      parameters,
      physicalResourceId: PhysicalResourceId.of(physicalId),
      ...(ignoreRefusal && { ignoreErrorCodesMatching: 'ConditionalCheckFailedException' }),
    });
    for (const bridge of props.bridges) {
      const update = seedBridgeUpdate(
        props.table.tableName,
        bridge,
        bridgeFileHash(bridge),
        props.seededAt,
      );
      this.seeds.push(
        new AwsCustomResource(this, `Seed-${bridge.id}`, {
          onUpdate: call(update, `bridge-seed-${bridge.id}`, true),
          policy,
          installLatestAwsSdk: false,
          memorySize: SEEDING_MEMORY_MB,
        }),
      );
    }
    const fileHash = bridgeFileHash(props.bridges);
    this.revision = new AwsCustomResource(this, 'Revision', {
      onUpdate: call(
        bumpRevisionUpdate(props.table.tableName, fileHash),
        'bridges-revision',
        false,
      ),
      policy,
      installLatestAwsSdk: false,
      memorySize: SEEDING_MEMORY_MB,
    });
    for (const seed of this.seeds) this.revision.node.addDependency(seed);
  }

  /** The Lambda (and its role) every AwsCustomResource of the stack shares. */
  static sharedFunction(scope: Construct): IConstruct | undefined {
    return Stack.of(scope).node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON);
  }
}
