/**
 * Route-level fuzz through the real local runtime: generated requests (valid fixtures,
 * mutations, deep nesting, huge strings, wrong types, bad JSON, unicode) to
 * `POST /webhooks/{provider}` and `GET /bridges/{id}/events`, then the events table is read
 * back. Shared by the vitest run (a few hundred requests) and `npm run fuzz` (thousands).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { startTestBridge } from '../local/local-bridge';
import { fixtureBodies, payloadOf } from './arbitraries';

const KEYS = { gitple: 'fuzz-gitple-key', tigerconnect: 'fuzz-tc-key' };
const PINGSTREAMS_SECRET = '56c189c8-33ae-4930-bd98-410a12aa45ce';
const APP_JWT_SECRET = 'fuzz-app-jwt-secret-0123456789abcdef';
const PROVIDERS = ['gitple', 'pingstreams', 'tigerconnect'] as const;

interface FuzzRequest {
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RouteFuzzReport {
  requests: number;
  seed: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  serverErrors: { kind: string; status: number; path: string; detail: string }[];
  notProblemJson: { kind: string; status: number; type: string; path: string }[];
  /** Stored items no successful delivery reported (a rejected delivery stored something). */
  strayItems: string[];
  /** Ids a 200 reported as stored or duplicate that are not in the table (stored in part). */
  missingItems: string[];
  storedItems: number;
  ms: number;
}

function deepText(depth: number): string {
  return `{"payload":${'['.repeat(depth)}1${']'.repeat(depth)}}`;
}

/** Pad a fixture body to about `bytes` with an extra field (schemas let extra fields through). */
function padded(body: unknown, bytes: number): string {
  const text = JSON.stringify(body);
  if (!body || typeof body !== 'object' || Array.isArray(body)) return text;
  return JSON.stringify({ ...body, pad: 'é'.repeat(Math.max(0, (bytes - text.length) / 2)) });
}

/** The delivery's JSON with an extra top-level field whose value is `valueText`. */
function withExtraText(body: unknown, valueText: string): string {
  const text = JSON.stringify(body);
  if (!text.startsWith('{') || text === '{}') return text;
  return `{"extra":${valueText},${text.slice(1)}`;
}

/** A copy with the string leaf reached by `path` (mod the keys at each level) made longer. */
function longLeaf(body: unknown, path: number[], size: number): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const step of path) {
    const keys = Object.keys(node).filter((k) => node[k] !== null && node[k] !== undefined);
    if (keys.length === 0) break;
    const key = keys[step % keys.length]!;
    const value = node[key];
    if (typeof value === 'string') {
      node[key] = value + 'é'.repeat(size / 2);
      break;
    }
    if (typeof value !== 'object') break;
    node = value as Record<string, unknown>;
  }
  return copy;
}

function webhookRequests(): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...PROVIDERS).chain((provider) => {
    const fixtures = fixtureBodies(provider);
    const body = fc.oneof(
      {
        arbitrary: fc.constantFrom(...fixtures).map((b) => ['fixture', JSON.stringify(b)]),
        weight: 3,
      },
      {
        arbitrary: payloadOf(fixtures).map((b) => ['mutated', JSON.stringify(b) ?? 'null']),
        weight: 10,
      },
      {
        arbitrary: fc.integer({ min: 100, max: 6000 }).map((d) => ['deep', deepText(d)]),
        weight: 1,
      },
      {
        // Deep nesting inside an otherwise valid delivery (schemas let extra fields through).
        arbitrary: fc
          .tuple(fc.constantFrom(...fixtures), fc.integer({ min: 65, max: 6000 }))
          .map(([b, depth]) => ['deep-inside', withExtraText(b, deepText(depth))]),
        weight: 2,
      },
      {
        // One string leaf of a valid delivery made long: ids past key limits, huge texts/meta.
        arbitrary: fc
          .tuple(
            fc.constantFrom(...fixtures),
            fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
            fc.constantFrom(600, 1100, 2100, 3000, 40_000, 150_000, 240_000),
          )
          .map(([b, path, size]) => ['long-leaf', JSON.stringify(longLeaf(b, path, size))]),
        weight: 3,
      },
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...fixtures), fc.integer({ min: 150_000, max: 270_000 }))
          .map(([b, size]) => ['huge', padded(b, size)]),
        weight: 1,
      },
      {
        arbitrary: fc.tuple(fc.constantFrom(...fixtures), fc.nat()).map(([b, cut]) => {
          const text = JSON.stringify(b);
          return ['bad-json', text.slice(0, cut % text.length)];
        }),
        weight: 1,
      },
      {
        arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((t) => ['unicode', t]),
        weight: 1,
      },
    ) as fc.Arbitrary<[string, string]>;
    return fc.tuple(body, fc.nat(99)).map(([[kind, text], dice]): FuzzRequest => {
      const authentic = dice < 92;
      const query =
        provider === 'pingstreams' ? '' : `?key=${authentic ? KEYS[provider] : 'wrong'}`;
      return {
        kind: `${provider}:${kind}${authentic ? '' : ':unauthentic'}`,
        method: 'POST',
        path: `/webhooks/${provider}${query}`,
        headers: {
          'content-type': dice % 17 === 0 ? 'text/plain' : 'application/json',
          ...(provider === 'pingstreams' && {
            'x-hook-secret': authentic ? PINGSTREAMS_SECRET : 'wrong',
          }),
        },
        body: text,
      };
    });
  });
}

function historyRequests(token: string): fc.Arbitrary<FuzzRequest> {
  const after = fc.oneof(
    fc.constant(undefined),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ maxLength: 60 }).map((s) => Buffer.from(s).toString('base64url')),
    fc
      .tuple(fc.nat({ max: 9e12 }), fc.stringMatching(/^[\w-]{0,30}$/))
      .map(([ms, id]) =>
        Buffer.from(`${String(ms).padStart(13, '0')}#${id}`).toString('base64url'),
      ),
  );
  const limit = fc.oneof(
    fc.constant(undefined),
    fc.string({ maxLength: 6 }),
    fc.nat(400).map(String),
  );
  const bridge = fc.oneof(
    { arbitrary: fc.constant('support'), weight: 6 },
    // Non-empty: `/bridges//events` is no route of ours; API Gateway itself answers it.
    { arbitrary: fc.string({ minLength: 1, maxLength: 40 }), weight: 1 },
    { arbitrary: fc.constant('b'.repeat(3000)), weight: 1 },
  );
  return fc.tuple(bridge, after, limit, fc.nat(19)).map(([id, a, l, dice]) => {
    const query = new URLSearchParams();
    if (a !== undefined) query.set('after', a);
    if (l !== undefined) query.set('limit', l);
    return {
      kind: 'history',
      method: 'GET' as const,
      path: `/bridges/${encodeURIComponent(id)}/events?${query}`,
      headers: dice === 0 ? ({} as Record<string, string>) : { authorization: `Bearer ${token}` },
    };
  });
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function runRouteFuzz(options: {
  requests: number;
  concurrency?: number;
  seed?: number;
}): Promise<RouteFuzzReport> {
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const bridge = await startTestBridge({
    streamConsumers: [],
    env: {
      APP_JWT_SECRET,
      GITPLE_WEBHOOK_KEY: KEYS.gitple,
      TIGERCONNECT_WEBHOOK_KEY: KEYS.tigerconnect,
      PINGSTREAMS_WEBHOOK_SECRET: PINGSTREAMS_SECRET,
      BRIDGES_FILE: 'bridges.json',
      AWS_REGION: 'us-west-2',
      LOG_LEVEL: 'error',
    },
  });
  const started = Date.now();
  const token = jwt.sign({ sub: 'fuzzer' }, APP_JWT_SECRET, {
    algorithm: 'HS256',
    expiresIn: '1h',
  });
  const requests = fc.sample(
    fc.oneof(
      { arbitrary: webhookRequests(), weight: 4 },
      { arbitrary: historyRequests(token), weight: 1 },
    ),
    { numRuns: options.requests, seed },
  );
  const report: RouteFuzzReport = {
    requests: requests.length,
    seed,
    byStatus: {},
    byKind: {},
    serverErrors: [],
    notProblemJson: [],
    strayItems: [],
    missingItems: [],
    storedItems: 0,
    ms: 0,
  };
  const reported = new Set<string>();
  try {
    await pool(requests, options.concurrency ?? 16, async (request) => {
      const response = await fetch(`${bridge.httpUrl}${request.path}`, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined && { body: request.body }),
      });
      const text = await response.text();
      const status = response.status;
      report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
      report.byKind[request.kind] = (report.byKind[request.kind] ?? 0) + 1;
      const type = response.headers.get('content-type') ?? '';
      if (status >= 500) {
        report.serverErrors.push({
          kind: request.kind,
          status,
          path: request.path.slice(0, 80),
          detail: text.slice(0, 200),
        });
      } else if (status >= 400 && type !== 'application/problem+json') {
        report.notProblemJson.push({
          kind: request.kind,
          status,
          type,
          path: request.path.slice(0, 80),
        });
      } else if (status === 200 && request.method === 'POST') {
        const json = JSON.parse(text) as { stored: string[]; duplicates: string[] };
        for (const id of [...json.stored, ...json.duplicates]) reported.add(id);
      }
    });
    report.ms = Date.now() - started;
    const ids = new Set<string>();
    let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await bridge.dynamo.send(
        new ScanCommand({
          TableName: bridge.tableNames.EVENTS_TABLE!,
          ProjectionExpression: 'sk',
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) ids.add(item.sk?.S ?? '');
      start = page.LastEvaluatedKey;
    } while (start);
    report.storedItems = ids.size;
    report.strayItems = [...ids].filter((id) => !reported.has(id));
    report.missingItems = [...reported].filter((id) => !ids.has(id));
  } finally {
    await bridge.close();
  }
  return report;
}
