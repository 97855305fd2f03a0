import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { isBridgeError } from '../../functions/core/errors';
import { FIXTURES } from '../support/harness';

/** Every fixture body of a provider (`{headers, body}` files give their body). */
export function fixtureBodies(provider: string): unknown[] {
  const folder = resolve(FIXTURES, provider);
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(resolve(folder, file), 'utf8')) as unknown)
    .map((value) =>
      value && typeof value === 'object' && 'body' in value && 'headers' in value
        ? (value as { body: unknown }).body
        : value,
    );
}

/** A value nested `depth` levels deep, built without recursion. */
export function deeplyNested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { d: value };
  return value;
}

/** Hostile leaves: huge and odd strings, wrong types, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom(
    '',
    null,
    -1,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    true,
    [],
    {},
    '\u0000',
    '😀'.repeat(300),
    'x'.repeat(70_000),
    '__proto__',
    '2024-13-45T99:99:99Z',
  ),
  fc.integer({ min: 65, max: 300 }).map(deeplyNested),
);

type Mutation = { path: number[]; op: 'set' | 'delete'; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  path: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
  op: fc.constantFrom('set', 'delete'),
  value: hostileValue,
});

/** Apply mutations to a deep copy; path numbers pick among the keys present at each level. */
export function mutate(base: unknown, mutations: Mutation[]): unknown {
  const root = { value: structuredClone(base) } as Record<string, unknown>;
  for (const { path, op, value } of mutations) {
    let parent: Record<string, unknown> = root;
    let key = 'value';
    for (const step of path) {
      const next = parent[key];
      if (!next || typeof next !== 'object') break;
      const keys = Object.keys(next);
      if (keys.length === 0) break;
      parent = next as Record<string, unknown>;
      key = keys[step % keys.length]!;
    }
    if (op === 'delete' && Array.isArray(parent)) parent.splice(Number(key), 1);
    else if (op === 'delete') delete parent[key];
    else parent[key] = value;
  }
  return root.value;
}

/** A fixture body with up to four mutations, or arbitrary JSON. */
export function payloadOf(fixtures: unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...fixtures), weight: 1 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...fixtures), fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([base, mutations]) => mutate(base, mutations)),
      weight: 6,
    },
    { arbitrary: fc.jsonValue(), weight: 2 },
  );
}

/** Run `act`; anything thrown must be one of the house's 4xx errors. */
export async function onlyHouse4xx(act: () => unknown): Promise<void> {
  try {
    await act();
  } catch (error) {
    if (isBridgeError(error) && error.status >= 400 && error.status < 500 && error.expose) return;
    throw error;
  }
}
