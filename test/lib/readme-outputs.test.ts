import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthTestStack } from './stack-fixture';

/** The README's stack-output table, first column: the names a user looks for after deploy. */
function readmeOutputNames(): string[] {
  const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Deploy'), readme.indexOf('## Operating'));
  return [...section.matchAll(/^\| `(\w+)`/gm)].map((match) => match[1]!);
}

describe('README stack outputs', () => {
  it('lists exactly the outputs the stack has', () => {
    const { template } = synthTestStack();
    const outputs = Object.keys(template.toJSON().Outputs as Record<string, unknown>);

    expect(readmeOutputNames().sort()).toEqual(outputs.sort());
  });
});
