import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { nagPacks } from '../../bin/app';
import { synthTestStack } from './stack-fixture';

function findings(scope: IConstruct): string[] {
  return nagPacks(scope.node.root as never).flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
      ),
  );
}

function acknowledgements(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions and Serverless packs over the app', { timeout: 120_000 }, () => {
  it('leave no unacknowledged error or warning', () => {
    // Prepare
    const { app } = synthTestStack();

    // Act
    const left = findings(app);

    // Assess
    expect(left).toEqual([]);
  });

  it('run on synth as registered validation plugins: a clean app synthesizes', () => {
    // Prepare
    const { app } = synthTestStack();

    // Act
    const assembly = app.synth();
    const report = JSON.parse(
      readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as { pluginReports: { violations?: unknown[] }[] };

    // Assess
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });

  it('run on synth as registered validation plugins: an unacknowledged error fails it', () => {
    // Prepare
    const { app, stack } = synthTestStack();
    new Queue(stack, 'UnreviewedQueue');

    // Act
    const synth = () => app.synth({ force: true });

    // Assess
    expect(synth).toThrow(/AwsSolutions-SQS4/);
  });

  it('catch a finding nobody acknowledged when run directly (the first check can fail)', () => {
    // Prepare
    const { stack } = synthTestStack();
    new Queue(stack, 'UnreviewedQueue');

    // Act
    const left = findings(stack);

    // Assess
    expect(left).toEqual(
      expect.arrayContaining([
        'error AwsSolutions-SQS3 at ChatBridge/Bridge/UnreviewedQueue/Resource',
        'error AwsSolutions-SQS4 at ChatBridge/Bridge/UnreviewedQueue/Resource',
      ]),
    );
  });

  it('are acknowledged only on specific constructs, each with a written reason', () => {
    // Prepare
    const { app, stack } = synthTestStack();

    // Act
    const acknowledged = acknowledgements(app);

    // Assess
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledged) {
      expect(path, `${id} is acknowledged app- or stack-wide`).not.toMatch(
        new RegExp(`^(${stack.node.path})?$`),
      );
      expect(reason.length, `${id} at ${path} needs a real reason`).toBeGreaterThan(80);
    }
  });
});
