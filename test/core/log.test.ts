import { describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/core/log';

describe('logger', () => {
  it('never writes a secret-named field, however deep, and keeps the rest', () => {
    const lines: string[] = [];
    const log = createLogger({ service: 'test' }, { sink: (line) => lines.push(line) });

    log.info('request', {
      headers: { authorization: 'Bearer eyJhbGciOi.secret', 'x-hook-secret': 'hook-secret-value' },
      query: { key: 'webhook-key-value' },
      nested: [{ apiKey: 'k-123', password: 'p' }],
      eventId: 'ivs-abc',
    });

    const line = lines[0]!;
    for (const secret of ['eyJhbGciOi.secret', 'hook-secret-value', 'webhook-key-value', 'k-123']) {
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      service: 'test',
      message: 'request',
      eventId: 'ivs-abc',
    });
  });

  it('keeps an error’s name and message and drops below the level', () => {
    const lines: string[] = [];
    const log = createLogger({}, { level: 'warn', sink: (line) => lines.push(line) });

    log.info('dropped');
    log.error('failed', { error: new TypeError('boom') });

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).error).toEqual({ name: 'TypeError', message: 'boom' });
  });
});
