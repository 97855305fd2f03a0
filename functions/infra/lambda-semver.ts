/**
 * Stands in for `semver` in the Lambda bundles (an esbuild alias, lib/house-function.ts).
 * jsonwebtoken only asks `satisfies(process.version, range)` for three feature checks
 * (`>=15.7.0`, `^6.12.0 || >=8.0.0`, `>=16.9.0`); the full package is ~30 KB of every
 * bundle that verifies a JWT, `$connect` included. Any other range form throws, so a
 * jsonwebtoken upgrade that asks more fails its test (test/infra/lambda-semver.test.ts)
 * instead of answering wrongly.
 */
type Version = [number, number, number];

function parse(text: string): Version {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (!match) throw new Error(`lambda-semver: "${text}" is not a version`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function satisfiesOne(version: Version, comparator: string): boolean {
  if (comparator.startsWith('>=')) return compare(version, parse(comparator.slice(2))) >= 0;
  if (comparator.startsWith('^')) {
    const floor = parse(comparator.slice(1));
    // ^X.Y.Z with X > 0: at least X.Y.Z and below (X+1).0.0.
    return floor[0] > 0 && compare(version, floor) >= 0 && version[0] === floor[0];
  }
  throw new Error(`lambda-semver: range "${comparator}" is not supported`);
}

export function satisfies(version: string, range: string): boolean {
  const parsed = parse(version);
  return range.split('||').some((part) => satisfiesOne(parsed, part.trim()));
}

export default { satisfies };
