/**
 * Lambda event filtering (the pattern language of event source mapping FilterCriteria) over
 * a stream record: a pattern object mirrors the record's shape; at a leaf, an array lists
 * what matches (OR). Leaf values: literals, `{prefix}`, `{suffix}`, `{"equals-ignore-case"}`,
 * `{"anything-but"}`, `{exists}`, `{numeric: [op, n, ...]}`. Several patterns are OR-ed.
 */
export type FilterPattern = { readonly [key: string]: unknown };

export function matchesAnyPattern(patterns: readonly FilterPattern[], record: unknown): boolean {
  return patterns.length === 0 || patterns.some((pattern) => matchesPattern(pattern, record));
}

export function matchesPattern(pattern: FilterPattern, value: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[key]
        : undefined;
    if (Array.isArray(expected)) return matchesLeaf(expected, actual);
    if (typeof expected === 'object' && expected !== null) {
      return actual !== undefined && matchesPattern(expected as FilterPattern, actual);
    }
    throw new Error(`filter pattern: "${key}" must be an object or an array of matchers`);
  });
}

function matchesLeaf(matchers: readonly unknown[], actual: unknown): boolean {
  const values = Array.isArray(actual) ? actual : [actual];
  return matchers.some((matcher) => {
    if (isObject(matcher) && 'exists' in matcher) return (actual !== undefined) === matcher.exists;
    if (actual === undefined) return false;
    return values.some((value) => matchesValue(matcher, value));
  });
}

function matchesValue(matcher: unknown, value: unknown): boolean {
  if (!isObject(matcher)) return matcher === value;
  if ('prefix' in matcher)
    return typeof value === 'string' && value.startsWith(String(matcher.prefix));
  if ('suffix' in matcher)
    return typeof value === 'string' && value.endsWith(String(matcher.suffix));
  if ('equals-ignore-case' in matcher) {
    return (
      typeof value === 'string' &&
      value.toLowerCase() === String(matcher['equals-ignore-case']).toLowerCase()
    );
  }
  if ('anything-but' in matcher) {
    const excluded = matcher['anything-but'];
    if (isObject(excluded) && 'prefix' in excluded) {
      return typeof value === 'string' && !value.startsWith(String(excluded.prefix));
    }
    return !(Array.isArray(excluded) ? excluded : [excluded]).includes(value);
  }
  if ('numeric' in matcher && Array.isArray(matcher.numeric)) {
    const number =
      typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    if (Number.isNaN(number)) return false;
    const terms = matcher.numeric as unknown[];
    for (let i = 0; i + 1 < terms.length; i += 2) {
      if (!compare(number, String(terms[i]), Number(terms[i + 1]))) return false;
    }
    return true;
  }
  throw new Error(`filter pattern: unsupported matcher ${JSON.stringify(matcher)}`);
}

function compare(value: number, operator: string, operand: number): boolean {
  switch (operator) {
    case '=':
      return value === operand;
    case '<':
      return value < operand;
    case '<=':
      return value <= operand;
    case '>':
      return value > operand;
    case '>=':
      return value >= operand;
    default:
      throw new Error(`filter pattern: unsupported numeric operator ${operator}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
