import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Credentials, IamEmulator } from './iam-emulator';
import type { CfnResource, TemplateResolver } from './template';

/** A role as the template writes it, with every policy that attaches to it, resolved. */
export interface ProvisionedRole {
  logicalId: string;
  name: string;
  arn: string;
  /** Inline and AWS::IAM::Policy documents; managed policy ARNs separately. */
  policies: { name: string; document: PolicyDocument }[];
  managedPolicyArns: string[];
}

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** Physical names the way CloudFormation makes them: stack, logical id, a short suffix. */
export function physicalName(stackName: string, logicalId: string, max = 64): string {
  const suffix = createHash('sha256').update(logicalId).digest('hex').slice(0, 8).toUpperCase();
  return `${stackName}-${logicalId}`.slice(0, max - 9) + `-${suffix}`;
}

/**
 * Creates in the emulator what CloudFormation would create from the template (tables with
 * their indexes and streams, queues, the secret, log groups, roles with their policies) and
 * defines the physical id of everything else the template refers to (functions, APIs, rules,
 * the IVS logging configuration), so each Ref and GetAtt resolves to the emulator's value.
 */
export async function provisionTemplate(
  resolver: TemplateResolver,
  emulator: IamEmulator,
  stackName: string,
): Promise<{ roles: Map<string, ProvisionedRole> }> {
  const config = {
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials: emulator.operator,
  };
  const { region, accountId } = emulator;
  const dynamo = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  const secrets = new SecretsManagerClient(config);
  const logs = new CloudWatchLogsClient(config);
  const iam = new IAMClient(config);
  const properties = (resource: CfnResource) => resource.Properties ?? {};
  try {
    // Names first: policies and environments refer to functions and APIs that need no creation.
    for (const [id, resource] of Object.entries(resolver.template.Resources)) {
      if (!resolver.exists(id)) continue;
      const name = physicalName(stackName, id);
      const p = properties(resource);
      switch (resource.Type) {
        case 'AWS::Lambda::Function': {
          const fn = (p.FunctionName as string | undefined) ?? name;
          resolver.define(id, {
            ref: fn,
            attributes: { Arn: `arn:aws:lambda:${region}:${accountId}:function:${fn}` },
          });
          break;
        }
        case 'AWS::ApiGatewayV2::Api': {
          const apiId = createHash('sha256').update(id).digest('hex').slice(0, 10);
          resolver.define(id, {
            ref: apiId,
            attributes: { ApiEndpoint: `https://${apiId}.execute-api.${region}.amazonaws.com` },
          });
          break;
        }
        case 'AWS::ApiGatewayV2::Stage':
          resolver.define(id, { ref: String(p.StageName), attributes: {} });
          break;
        case 'AWS::IVSChat::LoggingConfiguration': {
          const arn = `arn:aws:ivschat:${region}:${accountId}:logging-configuration/${name.slice(-8)}`;
          resolver.define(id, { ref: arn, attributes: { Arn: arn } });
          break;
        }
        case 'AWS::Events::Rule':
          resolver.define(id, {
            ref: name,
            attributes: { Arn: `arn:aws:events:${region}:${accountId}:rule/${name}` },
          });
          break;
        case 'AWS::IAM::Role': {
          const roleName = (p.RoleName as string | undefined) ?? name;
          resolver.define(id, {
            ref: roleName,
            attributes: { Arn: `arn:aws:iam::${accountId}:role/${roleName}` },
          });
          break;
        }
        default:
          // Integrations, routes and the like: an id is all anything reads of them.
          resolver.define(id, { ref: name, attributes: {} });
      }
    }

    for (const [id, resource] of resolver.resourcesOfType('AWS::DynamoDB::Table')) {
      const p = resolver.resolve<Record<string, unknown>>(properties(resource));
      const name = (p.TableName as string | undefined) ?? physicalName(stackName, id, 255);
      const stream = p.StreamSpecification as { StreamViewType: string } | undefined;
      await dynamo.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: p.KeySchema,
          AttributeDefinitions: p.AttributeDefinitions,
          BillingMode: p.BillingMode ?? 'PAY_PER_REQUEST',
          GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
          LocalSecondaryIndexes: p.LocalSecondaryIndexes,
          ...(stream && {
            StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType },
          }),
        } as CreateTableCommandInput),
      );
      const ttl = p.TimeToLiveSpecification as
        { AttributeName: string; Enabled: boolean } | undefined;
      if (ttl?.Enabled) {
        await dynamo.send(
          new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: ttl }),
        );
      }
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
      resolver.define(id, {
        ref: name,
        attributes: {
          Arn: Table!.TableArn!,
          ...(Table!.LatestStreamArn && { StreamArn: Table!.LatestStreamArn }),
        },
      });
    }

    for (const [id, resource] of resolver.resourcesOfType('AWS::SQS::Queue')) {
      const p = resolver.resolve<Record<string, unknown>>(properties(resource));
      const name = (p.QueueName as string | undefined) ?? physicalName(stackName, id, 80);
      const attributes: Record<string, string> = {};
      for (const key of ['MessageRetentionPeriod', 'VisibilityTimeout', 'DelaySeconds']) {
        if (p[key] !== undefined) attributes[key] = String(p[key]);
      }
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
      );
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      resolver.define(id, {
        ref: QueueUrl!,
        attributes: { Arn: Attributes!.QueueArn!, QueueName: name },
      });
    }

    for (const [id, resource] of resolver.resourcesOfType('AWS::SecretsManager::Secret')) {
      const p = resolver.resolve<Record<string, unknown>>(properties(resource));
      const created = await secrets.send(
        new CreateSecretCommand({
          Name: (p.Name as string | undefined) ?? physicalName(stackName, id),
          SecretString: String(p.SecretString ?? '{}'),
        }),
      );
      resolver.define(id, { ref: created.ARN!, attributes: {} });
    }

    for (const [id, resource] of resolver.resourcesOfType('AWS::Logs::LogGroup')) {
      const p = resolver.resolve<Record<string, unknown>>(properties(resource));
      const name = (p.LogGroupName as string | undefined) ?? physicalName(stackName, id, 512);
      await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
      resolver.define(id, {
        ref: name,
        attributes: { Arn: `arn:aws:logs:${region}:${accountId}:log-group:${name}:*` },
      });
    }

    return { roles: await provisionRoles(resolver, iam) };
  } finally {
    for (const client of [dynamo, sqs, secrets, logs, iam]) client.destroy();
  }
}

async function provisionRoles(
  resolver: TemplateResolver,
  iam: IAMClient,
): Promise<Map<string, ProvisionedRole>> {
  const roles = new Map<string, ProvisionedRole>();
  for (const [id, resource] of resolver.resourcesOfType('AWS::IAM::Role')) {
    const p = resolver.resolve<Record<string, unknown>>(resource.Properties ?? {}, id);
    const { ref: name, attributes } = resolver.physicalOf(id);
    await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: JSON.stringify(p.AssumeRolePolicyDocument),
      }),
    );
    const role: ProvisionedRole = {
      logicalId: id,
      name,
      arn: attributes.Arn!,
      policies: [],
      managedPolicyArns: (p.ManagedPolicyArns as string[] | undefined) ?? [],
    };
    for (const arn of role.managedPolicyArns) {
      await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn }));
    }
    for (const inline of (p.Policies as { PolicyName: string; PolicyDocument: PolicyDocument }[]) ??
      []) {
      role.policies.push({ name: inline.PolicyName, document: inline.PolicyDocument });
    }
    roles.set(id, role);
  }
  for (const [id, resource] of resolver.resourcesOfType('AWS::IAM::Policy')) {
    const p = resolver.resolve<{ PolicyDocument: PolicyDocument; Roles?: string[] }>(
      resource.Properties ?? {},
      id,
    );
    for (const roleName of p.Roles ?? []) {
      const role = [...roles.values()].find((r) => r.name === roleName);
      if (!role)
        throw new Error(`${id} attaches to ${roleName}, which the template does not create`);
      role.policies.push({ name: id, document: p.PolicyDocument });
    }
  }
  for (const role of roles.values()) {
    for (const policy of role.policies) {
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: role.name,
          PolicyName: policy.name,
          PolicyDocument: JSON.stringify(policy.document),
        }),
      );
    }
  }
  return roles;
}

/** The credentials Lambda hands a function: its execution role, assumed. */
export async function assumeRole(
  emulator: IamEmulator,
  role: ProvisionedRole,
  session: string,
): Promise<Credentials> {
  const sts = new STSClient({
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials: emulator.operator,
  });
  try {
    const { Credentials: assumed } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: role.arn,
        RoleSessionName: session.slice(0, 64),
        DurationSeconds: 3600,
      }),
    );
    return {
      accessKeyId: assumed!.AccessKeyId!,
      secretAccessKey: assumed!.SecretAccessKey!,
      sessionToken: assumed!.SessionToken!,
    };
  } finally {
    sts.destroy();
  }
}

/** The bundled asset folder of a function: Metadata `aws:asset:path`, inside the synth output. */
export function assetFolder(outDir: string, resource: CfnResource, id: string): string {
  const path = resource.Metadata?.['aws:asset:path'];
  if (typeof path !== 'string') throw new Error(`${id} has no bundled asset (aws:asset:path)`);
  return join(outDir, path);
}
