import { describe, expect, it } from 'vitest';
import { bridgeFileHash } from '../../functions/definitions/bridge-seed';
import { HTTP_ROUTES } from '../../functions/definitions/functions';
import { parseBridges } from '../../functions/runtime/bridges-file';
import { TEST_BRIDGES_DOCUMENT, logicalIdOf, synthTestStack } from './stack-fixture';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

describe('bridges at run time: table, seeding custom resource and operator routes', () => {
  const { stack, template } = synthTestStack();
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const tableArn = { 'Fn::GetAtt': [logicalIdOf(stack, stack.bridgesTable), 'Arn'] };
  const seedIds = stack.bridgeSeeding.seeds.map((seed) =>
    logicalIdOf(stack, seed.node.findChild('Resource')),
  );
  const fileBridges = parseBridges(TEST_BRIDGES_DOCUMENT).all();

  it('seeds each bridge of the file with the conditional write the local runtime makes', () => {
    // Act
    const creates = seedIds.map((id) => JSON.stringify(resources[id]!.Properties.Create));

    // Assess
    expect(creates).toHaveLength(fileBridges.length);
    creates.forEach((create, i) => {
      const bridge = fileBridges[i]!;
      expect(create).toContain('\\"action\\":\\"UpdateItem\\"');
      expect(create).toContain('ConditionalCheckFailedException');
      expect(create).toContain(
        'attribute_not_exists(pk) OR attribute_not_exists(fileHash) OR fileHash <> :hash',
      );
      // The hash of the bridge as the runtime parses it: an unchanged file keeps edits.
      expect(create).toContain(bridgeFileHash(bridge));
      expect(create).toContain(`bridge-seed-${bridge.id}`);
    });
  });

  it('bumps the revision after every seed, so warm caches reload', () => {
    // Prepare
    const revisionId = logicalIdOf(stack, stack.bridgeSeeding.revision.node.findChild('Resource'));

    // Act
    const revision = resources[revisionId]!;

    // Assess
    expect(JSON.stringify(revision.Properties.Create)).toContain('ADD revision :one');
    expect(revision.DependsOn).toEqual(expect.arrayContaining(seedIds));
  });

  it('lets the custom-resource provider update the bridges table (and the bridged IVS rooms, for chat logging), nothing else', () => {
    // Act
    const seedingPolicies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties.Roles).includes('AWS679f53fac002430cb0da5b7982bd2287'),
    );

    // Assess
    expect(seedingPolicies.length).toBeGreaterThan(0);
    const statements = seedingPolicies.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: { Action: string }[] }).Statement,
    );
    expect(statements).toContainEqual({
      Action: 'dynamodb:UpdateItem',
      Effect: 'Allow',
      Resource: tableArn,
    });
    for (const statement of statements.filter((s) => s.Action !== 'ivschat:UpdateRoom')) {
      expect(statement).toEqual({
        Action: 'dynamodb:UpdateItem',
        Effect: 'Allow',
        Resource: tableArn,
      });
    }
  });

  it('routes GET /bridges and GET|PUT|DELETE /bridges/{bridgeId} to the Bridges function', () => {
    // Prepare
    const expected = [
      'GET /bridges',
      'GET /bridges/{bridgeId}',
      'PUT /bridges/{bridgeId}',
      'DELETE /bridges/{bridgeId}',
    ];

    // Act
    const routeKeys = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties.RouteKey);

    // Assess
    expect(
      HTTP_ROUTES.filter((r) => r.function === 'Bridges').map((r) => `${r.method} ${r.path}`),
    ).toEqual(expected);
    expect(routeKeys).toEqual(expect.arrayContaining(expected));
  });

  it('gives the functions the bridges table name', () => {
    // Act
    const fn = resources[logicalIdOf(stack, stack.functions.Relay.function)]!;

    // Assess
    expect(fn.Properties.Environment).toMatchObject({
      Variables: { BRIDGES_TABLE: { Ref: logicalIdOf(stack, stack.bridgesTable) } },
    });
  });
});
