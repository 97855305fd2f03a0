import { Stack } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';

/** The construct id CDK gives the one Lambda every AwsCustomResource of a stack shares. */
const CUSTOM_RESOURCE_PROVIDER = `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;

/**
 * Every function of the stack on arm64. The house functions set it themselves; the one
 * CDK-provided function (the AwsCustomResource provider behind bridge seeding and IVS chat
 * logging) has no architecture prop, so its CfnFunction gets it here. Its code is
 * architecture-neutral JavaScript on a managed Node.js runtime, so Graviton runs it unchanged.
 */
export function runOnArm64(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild(CUSTOM_RESOURCE_PROVIDER);
  const resource = provider?.node.defaultChild;
  if (resource instanceof CfnFunction) resource.addPropertyOverride('Architectures', ['arm64']);
}
