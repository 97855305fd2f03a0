import { createHash } from 'node:crypto';
import { Aws, CfnCondition, CfnResource, Fn, Stack, Validations } from 'aws-cdk-lib';
import { CfnLoggingConfiguration } from 'aws-cdk-lib/aws-ivschat';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  PhysicalResourceId,
  type AwsSdkCall,
} from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface IvsChatLoggingProps {
  /** Room ARNs from the bridges file. */
  roomArns: readonly string[];
  logGroup: ILogGroup;
}

/**
 * IVS chat logging into the chat-log group, attached to every bridged room: deletions and
 * events reach the bridge only through those logs, and the review handler relies on them as
 * its backup. The rooms are not the stack's, so each is attached by an `UpdateRoom` call
 * (a custom resource allowed on that room ARN only), and detached again on delete. A logging
 * configuration serves rooms of its own account and region: a room elsewhere is skipped by a
 * condition and attached by hand (the stack output says how).
 */
export class IvsChatLogging extends Construct {
  readonly configuration: CfnLoggingConfiguration;
  readonly attachments: AwsCustomResource[] = [];

  constructor(scope: Construct, id: string, props: IvsChatLoggingProps) {
    super(scope, id);
    this.configuration = new CfnLoggingConfiguration(this, 'Configuration', {
      destinationConfiguration: { cloudWatchLogs: { logGroupName: props.logGroup.logGroupName } },
    });
    for (const roomArn of props.roomArns) {
      const suffix = createHash('sha256').update(roomArn).digest('hex').slice(0, 12);
      const [, , , region = '', account = ''] = roomArn.split(':');
      const inStackEnvironment = new CfnCondition(this, `RoomHere${suffix}`, {
        expression: Fn.conditionAnd(
          Fn.conditionEquals(Aws.REGION, region),
          Fn.conditionEquals(Aws.ACCOUNT_ID, account),
        ),
      });
      // UpdateRoom sets the room's whole list of logging configurations.
      const setLogging = (identifiers: string[]): AwsSdkCall => ({
        service: 'ivschat',
        action: 'UpdateRoom',
        parameters: { identifier: roomArn, loggingConfigurationIdentifiers: identifiers },
        physicalResourceId: PhysicalResourceId.of(`${roomArn}#chat-logging`),
      });
      const attach = new AwsCustomResource(this, `AttachRoom${suffix}`, {
        onCreate: setLogging([this.configuration.attrArn]),
        onUpdate: setLogging([this.configuration.attrArn]),
        onDelete: setLogging([]),
        policy: AwsCustomResourcePolicy.fromSdkCalls({
          resources: [roomArn, this.configuration.attrArn],
        }),
        installLatestAwsSdk: false,
      });
      const resource = attach.node.findChild('Resource').node.defaultChild as CfnResource;
      resource.cfnOptions.condition = inStackEnvironment;
      this.attachments.push(attach);
    }
    acknowledgeProvider(this);
  }
}

/** The one function CDK shares between all `AwsCustomResource`s of a stack. */
const PROVIDER_ID = `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;

const PROVIDER_REASON =
  'The CDK-provided AwsCustomResource function that runs ivschat:UpdateRoom once per deploy ' +
  'to attach the chat logging configuration to the bridged rooms. CloudFormation invokes it ' +
  'and reports a failure as a failed deploy, so a DLQ would stay empty; one SDK call needs ' +
  'neither more than the default memory nor tracing; its only managed policy is ' +
  'AWSLambdaBasicExecutionRole (its own logs), and its SDK calls are allowed on the ' +
  'bridged room ARNs and the logging configuration only.';

function acknowledgeProvider(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild(PROVIDER_ID);
  if (!provider) return;
  for (const id of [
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'AwsSolutions-L1',
    'Serverless-LambdaDefaultMemorySize',
    'Serverless-LambdaDLQ',
    'Serverless-LambdaTracing',
    'Serverless-LambdaLatestVersion',
  ])
    Validations.of(provider).acknowledge({ id, reason: PROVIDER_REASON });
}
