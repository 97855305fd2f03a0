import { describe, expect, it } from 'vitest';
import { RELAY_STREAM_SETTINGS } from '../../../functions/definitions/relay-settings';
import { matchesAnyPattern, matchesPattern } from '../../../local/dynamo/stream-filter';

const insert = {
  eventName: 'INSERT',
  dynamodb: {
    NewImage: { type: { S: 'chat.message.created' }, echo: { BOOL: false }, size: { N: '12' } },
  },
};
const modify = { ...insert, eventName: 'MODIFY' };

describe('stream event filtering', () => {
  it("lets the relay's filter pass INSERT records only", () => {
    expect(matchesAnyPattern(RELAY_STREAM_SETTINGS.filterPatterns, insert)).toBe(true);
    expect(matchesAnyPattern(RELAY_STREAM_SETTINGS.filterPatterns, modify)).toBe(false);
    expect(matchesAnyPattern(RELAY_STREAM_SETTINGS.filterPatterns, { eventName: 'REMOVE' })).toBe(
      false,
    );
  });

  it('matches nested fields, OR within a list, AND across keys, and OR across patterns', () => {
    expect(
      matchesPattern(
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { echo: { BOOL: [false] } } } },
        modify,
      ),
    ).toBe(true);
    expect(
      matchesPattern(
        { eventName: ['INSERT'], dynamodb: { NewImage: { echo: { BOOL: [true] } } } },
        insert,
      ),
    ).toBe(false);
    expect(matchesAnyPattern([{ eventName: ['REMOVE'] }, { eventName: ['MODIFY'] }], modify)).toBe(
      true,
    );
    expect(matchesAnyPattern([], modify)).toBe(true);
  });

  it('supports prefix, anything-but, exists and numeric matchers', () => {
    const image = (pattern: Record<string, unknown>) =>
      matchesPattern({ dynamodb: { NewImage: pattern } }, insert);

    expect(image({ type: { S: [{ prefix: 'chat.message.' }] } })).toBe(true);
    expect(image({ type: { S: [{ 'anything-but': ['chat.message.created'] }] } })).toBe(false);
    expect(image({ missing: [{ exists: false }] })).toBe(true);
    expect(image({ type: [{ exists: true }] })).toBe(true);
    expect(image({ size: { N: [{ numeric: ['>', 10, '<=', 12] }] } })).toBe(true);
    expect(image({ size: { N: [{ numeric: ['<', 10] }] } })).toBe(false);
  });
});
