import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../../local/gateway/http-routes';

const routes = [
  { method: 'GET', path: '/bridges/{bridgeId}/events', function: 'History' },
  { method: 'GET', path: '/bridges/special/events', function: 'Special' },
  { method: 'ANY', path: '/files/{proxy+}', function: 'Files' },
  { method: 'POST', path: '/files/{proxy+}', function: 'Upload' },
];

describe('HTTP API route selection', () => {
  it('prefers literal segments over parameters, and decodes parameters', () => {
    expect(matchRoute(routes, 'GET', '/bridges/special/events')?.route.function).toBe('Special');
    expect(matchRoute(routes, 'GET', '/bridges/a%20b/events')).toMatchObject({
      routeKey: 'GET /bridges/{bridgeId}/events',
      pathParameters: { bridgeId: 'a b' },
    });
  });

  it('matches greedy paths, preferring a method route over ANY', () => {
    expect(matchRoute(routes, 'GET', '/files/a/b.txt')).toMatchObject({
      route: { function: 'Files' },
      pathParameters: { proxy: 'a/b.txt' },
    });
    expect(matchRoute(routes, 'POST', '/files/a')?.route.function).toBe('Upload');
  });

  it('finds nothing for another method or path, unless a $default route exists', () => {
    expect(matchRoute(routes, 'POST', '/bridges/x/events')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/files')).toBeUndefined();
    expect(
      matchRoute(
        [...routes, { method: '$default', path: '$default', function: 'Fallback' }],
        'GET',
        '/x',
      ),
    ).toMatchObject({ routeKey: '$default', route: { function: 'Fallback' } });
  });
});
