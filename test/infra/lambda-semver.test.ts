import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { satisfies } from '../../functions/infra/lambda-semver';

const realSemver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
};

describe('the semver stand-in of the Lambda bundles', () => {
  const ranges = ['>=15.7.0', '^6.12.0 || >=8.0.0', '>=16.9.0'];
  const versions = [
    'v6.11.9',
    'v6.12.0',
    'v7.0.0',
    'v8.0.0',
    'v15.6.9',
    'v15.7.0',
    'v16.9.0',
    'v20.20.2',
    'v22.11.0',
    process.version,
  ];

  it.each(ranges)('answers %s exactly as semver does', (range) => {
    for (const version of versions) {
      expect(satisfies(version, range), `${version} ${range}`).toBe(
        realSemver.satisfies(version, range),
      );
    }
  });

  it('covers every range jsonwebtoken asks, and refuses any other form', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = 'node_modules/jsonwebtoken/lib';
    const asked = readdirSync(dir).flatMap((file) =>
      [
        ...readFileSync(`${dir}/${file}`, 'utf8').matchAll(
          /semver\.satisfies\([^,]+,\s*'([^']+)'\)/g,
        ),
      ].map((m) => m[1]),
    );
    expect(asked.sort()).toEqual([...ranges].sort());
    expect(() => satisfies('v22.0.0', '~1.2.3')).toThrow(/not supported/);
  });
});
