import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ifMatchHolds, ifMatchMismatch, parseIfMatch } from '../../functions/core/if-match';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const version = fc.integer({ min: 1, max: 2 ** 40 });
/** Optional whitespace, as RFC 9110 lets it surround list elements. */
const ows = fc.constantFrom('', ' ', '  ', '\t');
/** An opaque tag's inside: visible characters but DQUOTE. */
const opaque = fc
  .string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) })
  .filter((text) => !text.includes('"'));

describe('If-Match (RFC 9110, section 13.1.1), as properties', () => {
  it('a strong tag of the version holds for that version and no other', () => {
    fc.assert(
      fc.property(version, version, (v, other) => {
        const condition = parseIfMatch(`"${v}"`)!;
        expect(ifMatchHolds(condition, v)).toBe(true);
        expect(ifMatchHolds(condition, other)).toBe(v === other);
      }),
      { numRuns: RUNS },
    );
  });

  it('a list holds when any strong tag in it names the version, whatever the spacing and empty elements', () => {
    fc.assert(
      fc.property(
        version,
        fc.array(
          fc.oneof(
            opaque.map((o) => `"${o}"`),
            opaque.map((o) => `W/"${o}"`),
            fc.constant(''),
          ),
          {
            maxLength: 5,
          },
        ),
        fc.nat(),
        ows,
        (v, others, at, space) => {
          const elements = [...others];
          elements.splice(at % (elements.length + 1), 0, `"${v}"`);
          const condition = parseIfMatch(elements.map((e) => `${space}${e}${space}`).join(','))!;
          expect(ifMatchHolds(condition, v)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a weak tag never holds: If-Match compares strongly', () => {
    fc.assert(
      fc.property(version, (v) => {
        const condition = parseIfMatch(`W/"${v}"`)!;
        expect(ifMatchHolds(condition, v)).toBe(false);
        expect(ifMatchMismatch(condition, v)).toContain('weak tag');
      }),
      { numRuns: RUNS },
    );
  });

  it('any header at all parses without throwing, and holds only for * or a header naming the version', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), version, (header, v) => {
        const condition = parseIfMatch(header);
        if (condition === undefined) {
          expect(header.trim()).toBe('');
          return;
        }
        if (ifMatchHolds(condition, v)) {
          expect(header.trim() === '*' || header.includes(`"${v}"`)).toBe(true);
        }
        expect(ifMatchMismatch(condition, v)).toEqual(expect.any(String));
      }),
      { numRuns: RUNS },
    );
  });

  it('reads the forms a client sends', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('  ')).toBeUndefined();
    expect(parseIfMatch('*')).toMatchObject({ any: true });
    expect(parseIfMatch('"a,b", W/"3"')).toMatchObject({ strong: ['a,b'], weak: ['3'] });
    expect(parseIfMatch('3')).toMatchObject({ malformed: true, strong: [] });
    expect(parseIfMatch('"3" x')).toMatchObject({ malformed: true, strong: [] });
    expect(parseIfMatch(',')).toMatchObject({ malformed: true });
    expect(parseIfMatch(`"${'9'.repeat(200)}`)?.text).toHaveLength(81);
  });
});
