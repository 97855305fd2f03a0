import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { BundleHost, type HostedFunction } from './bundle-host';
import { deniedReport, functionLabel } from './grants';
import { assumeRole, type PolicyDocument, type ProvisionedRole } from './provision';
import type { AwsWorld } from './world';

/** `document` without `action` on `resource`; every other grant of it as it was. */
function withoutGrant(document: PolicyDocument, action: string, resource: string): PolicyDocument {
  return {
    ...document,
    Statement: document.Statement.flatMap((statement) => {
      const actions = [statement.Action].flat();
      const resources = [statement.Resource].flat();
      if (!actions.includes(action) || !resources.includes(resource)) return [statement];
      const rest = actions.filter((a) => a !== action);
      const others = resources.filter((r) => r !== resource);
      return [
        ...(others.length ? [{ ...statement, Resource: others }] : []),
        ...(rest.length ? [{ ...statement, Resource: [resource], Action: rest }] : []),
      ];
    }),
  };
}

/**
 * The stream-driven Relay under a copy of its role that lacks one grant: the main mapping is
 * paused while `trigger` writes an event, the copy handles the stream records that event made,
 * and what the emulator refused comes back named. The main relay then handles them as usual.
 */
export async function runWithout(
  world: AwsWorld,
  name: 'Relay',
  grant: { action: string; resource: string; trigger: () => Promise<unknown> },
): Promise<{ denied: string[] }> {
  const fn = world.fn(name);
  const role = [...world.roles.values()].find((r) => r.name === fn.roleName)!;
  const iam = new IAMClient({
    endpoint: world.emulator.endpoint,
    region: world.emulator.region,
    credentials: world.emulator.operator,
  });
  const reduced: ProvisionedRole = {
    ...role,
    logicalId: `${role.logicalId}MissingGrant`,
    name: `${role.name.slice(0, 40)}-missing-grant`,
    arn: role.arn.replace(/role\/.*$/, `role/${role.name.slice(0, 40)}-missing-grant`),
    policies: role.policies.map((p) => ({
      ...p,
      document: withoutGrant(p.document, grant.action, grant.resource),
    })),
  };
  const denied: string[] = [];
  let host: BundleHost | undefined;
  world.relayMapping.pause();
  try {
    await iam.send(
      new CreateRoleCommand({
        RoleName: reduced.name,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              // The operator stands in for Lambda: it assumes the role once IAM is enforced.
              Principal: {
                Service: 'lambda.amazonaws.com',
                AWS: `arn:aws:iam::${world.emulator.accountId}:user/profile-operator`,
              },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    for (const policy of reduced.policies) {
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: reduced.name,
          PolicyName: policy.name,
          PolicyDocument: JSON.stringify(policy.document),
        }),
      );
    }
    const copy: HostedFunction = {
      ...fn,
      logicalId: `${functionLabel(fn)} (missing ${grant.action})`,
      name: `${fn.name.slice(0, 40)}-missing-grant`,
      roleName: reduced.name,
      credentials: await assumeRole(
        world.emulator,
        reduced,
        `${fn.name.slice(0, 40)}-missing-grant`,
      ),
    };
    host = new BundleHost([copy], {
      endpoint: world.emulator.endpoint,
      region: world.emulator.region,
    });
    await grant.trigger();
    const records = await world.relayMapping.nextHeldRecords();
    await host.invoke(copy.name, { Records: records });
    denied.push(
      ...deniedReport(await world.emulator.decisions(), [copy]).filter((d) =>
        d.startsWith(copy.logicalId),
      ),
    );
  } finally {
    await host?.close();
    world.relayMapping.resume();
    iam.destroy();
  }
  return { denied };
}
