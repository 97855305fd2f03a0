/** A route as HTTP API declares it: a method (or ANY) and a path with `{name}` / `{name+}`. */
export interface RouteSpec {
  method: string;
  path: string;
  function: string;
}

export interface RouteMatch<R extends RouteSpec> {
  route: R;
  routeKey: string;
  pathParameters: Record<string, string>;
}

/**
 * HTTP API route selection: the most specific path wins (literal segments over `{param}` over
 * `{proxy+}`), a method route over `ANY`, and `$default` catches what nothing else matches.
 */
export function matchRoute<R extends RouteSpec>(
  routes: readonly R[],
  method: string,
  rawPath: string,
): RouteMatch<R> | undefined {
  const segments = splitPath(rawPath);
  let best: { match: RouteMatch<R>; score: number[] } | undefined;
  for (const route of routes) {
    if (route.path === '$default' || route.method === '$default') continue;
    if (route.method !== 'ANY' && route.method !== method) continue;
    const matched = matchPath(splitPath(route.path), segments);
    if (!matched) continue;
    const score = [...matched.score, route.method === 'ANY' ? 0 : 1];
    if (!best || compareScores(score, best.score) > 0) {
      best = {
        match: { route, routeKey: `${route.method} ${route.path}`, pathParameters: matched.params },
        score,
      };
    }
  }
  if (best) return best.match;
  const fallback = routes.find((route) => route.path === '$default' || route.method === '$default');
  return fallback && { route: fallback, routeKey: '$default', pathParameters: {} };
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchPath(
  pattern: string[],
  segments: string[],
): { params: Record<string, string>; score: number[] } | undefined {
  const params: Record<string, string> = {};
  const score: number[] = [];
  for (let i = 0; i < pattern.length; i += 1) {
    const part = pattern[i]!;
    const greedy = /^\{(\w+)\+\}$/.exec(part);
    if (greedy) {
      if (i !== pattern.length - 1 || segments.length <= i) return undefined;
      params[greedy[1]!] = segments.slice(i).map(decode).join('/');
      score.push(0);
      return { params, score };
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    const param = /^\{(\w+)\}$/.exec(part);
    if (param) {
      params[param[1]!] = decode(segment);
      score.push(1);
    } else if (part === segment) {
      score.push(2);
    } else {
      return undefined;
    }
  }
  return segments.length === pattern.length ? { params, score } : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const diff = (a[i] ?? -1) - (b[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
