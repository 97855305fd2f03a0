import { describe, expect, it } from 'vitest';
import { originAllowed, parseCorsOrigins } from '../../functions/definitions/cors';
import { localCorsOrigins } from '../../local/gateway/cors';

describe('CORS_ALLOWED_ORIGINS', () => {
  it('reads a comma-separated list, dropping blanks and trailing slashes', () => {
    expect(parseCorsOrigins(' https://app.example.com/, ,https://admin.example.com ')).toEqual([
      'https://app.example.com',
      'https://admin.example.com',
    ]);
    expect(parseCorsOrigins(undefined)).toEqual([]);
  });

  it.each([
    ['https://app.example.com', ['https://app.example.com'], true],
    ['https://APP.example.com', ['https://app.example.com'], true],
    ['https://app.example.com:8443', ['https://app.example.com'], false],
    ['http://app.example.com', ['https://app.example.com'], false],
    ['https://eu.example.org', ['https://*.example.org'], true],
    ['https://example.org.evil.com', ['https://*.example.org'], false],
    ['http://localhost:5173', ['http://localhost:*'], true],
    ['http://localhost.evil.com', ['http://localhost:*'], false],
    ['https://anything.test', ['*'], true],
  ])('%s against %j: %s', (origin, allowed, expected) => {
    expect(originAllowed(origin, allowed)).toBe(expected);
  });

  it('locally allows only loopback origins unless set, and only the set ones when set', () => {
    expect(localCorsOrigins(undefined)).toEqual(['http://localhost:*', 'http://127.0.0.1:*']);
    expect(localCorsOrigins('https://app.example.com')).toEqual(['https://app.example.com']);
  });
});
