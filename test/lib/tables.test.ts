import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { BRIDGES_TABLE, EVENTS_TABLE, STATE_TABLE } from '../../functions/definitions/tables';
import { logicalIdOf, synthTestStack } from './stack-fixture';

describe('DynamoDB tables, as functions/definitions/tables.ts defines them', () => {
  const { stack, template } = synthTestStack();

  it('creates exactly the three defined tables', () => {
    // Prepare / Act: synthesized once above.
    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 3);
  });

  it.each([
    ['events', EVENTS_TABLE, () => stack.eventsTable],
    ['state', STATE_TABLE, () => stack.stateTable],
    ['bridges', BRIDGES_TABLE, () => stack.bridgesTable],
  ] as const)(
    'the %s table has its keys, on-demand billing, PITR, TTL and AWS-managed encryption',
    (_name, definition, table) => {
      // Prepare
      const id = logicalIdOf(stack, table());

      // Act
      const resource = template.toJSON().Resources[id];

      // Assess
      expect(resource.Properties).toMatchObject({
        KeySchema: [
          { AttributeName: definition.partitionKey, KeyType: 'HASH' },
          { AttributeName: definition.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: {
          AttributeName: definition.timeToLiveAttribute,
          Enabled: true,
        },
        SSESpecification: { SSEEnabled: true },
      });
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    },
  );

  it('streams new images of the events table only', () => {
    // Act
    const resources = template.toJSON().Resources;

    // Assess
    expect(resources[logicalIdOf(stack, stack.eventsTable)].Properties.StreamSpecification).toEqual(
      { StreamViewType: 'NEW_IMAGE' },
    );
    expect(
      resources[logicalIdOf(stack, stack.stateTable)].Properties.StreamSpecification,
    ).toBeUndefined();
  });

  it('gives the events table its local index and its GSI projecting only the listed attributes', () => {
    // Prepare
    const [lsi] = EVENTS_TABLE.localIndexes;
    const [gsi] = EVENTS_TABLE.globalIndexes;

    // Act / Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      LocalSecondaryIndexes: [
        {
          IndexName: lsi?.indexName,
          KeySchema: [
            { AttributeName: EVENTS_TABLE.partitionKey, KeyType: 'HASH' },
            { AttributeName: lsi?.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: gsi?.indexName,
          KeySchema: [
            { AttributeName: gsi?.partitionKey, KeyType: 'HASH' },
            { AttributeName: gsi?.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: gsi?.nonKeyAttributes },
        },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: gsi?.partitionKey, AttributeType: 'S' },
      ]),
    });
  });

  it('gives the state table its GSI with every attribute projected', () => {
    // Prepare
    const [gsi] = STATE_TABLE.globalIndexes;

    // Act
    const properties = template.toJSON().Resources[logicalIdOf(stack, stack.stateTable)].Properties;

    // Assess
    expect(properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: gsi?.indexName,
        KeySchema: [
          { AttributeName: gsi?.partitionKey, KeyType: 'HASH' },
          { AttributeName: gsi?.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(properties.LocalSecondaryIndexes).toBeUndefined();
  });
});
