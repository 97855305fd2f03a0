import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  completeFramesEnd,
  SseFrameReader,
} from '../../../functions/providers/tigerconnect/event-stream';
import { parseSseFrames, type SseFrame } from '../../../functions/providers/tigerconnect/sse';
import { FIXTURES } from '../../support/harness';

const STREAM = readFileSync(resolve(FIXTURES, 'tigerconnect/sse-stream.txt'), 'utf8');
const UNICODE_FRAME = `data: {"event_id":"e-1","event":{"tigertext:iq:message":{"body":"Olá, 世界! 👩🏽‍⚕️"}}}\n\n`;

/** A BOM, a unicode frame, then the fixture (which ends cut off), with LF, CR or CRLF line ends. */
const VARIANTS = ['\n', '\r', '\r\n'].map((end) =>
  `\uFEFF${UNICODE_FRAME}${STREAM}`.replace(/\r\n|\r|\n/g, end),
);

/** A small seeded PRNG (mulberry32) so every run is reproducible from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readInChunks(bytes: Uint8Array, cuts: number[]): SseFrame[] {
  const reader = new SseFrameReader();
  const frames: SseFrame[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    frames.push(...reader.push(bytes.subarray(from, cut)));
    from = cut;
  }
  return frames;
}

describe('SseFrameReader', () => {
  it.each(VARIANTS.map((text, i) => [['LF', 'CR', 'CRLF'][i], text]))(
    'yields the frames of the whole %s stream whatever single byte it is cut at',
    (_, text) => {
      const bytes = new TextEncoder().encode(text);
      const whole = parseSseFrames(text);

      for (let cut = 0; cut <= bytes.length; cut += 1) {
        expect(readInChunks(bytes, [cut])).toEqual(whole);
      }
      expect(whole.map((frame) => frame.data)).toContain(
        '{"event_id":"e-1","event":{"tigertext:iq:message":{"body":"Olá, 世界! 👩🏽‍⚕️"}}}',
      );
    },
  );

  it('yields the same frames for 300 seeded random chunkings', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const next = random(seed);
      const text = VARIANTS[seed % VARIANTS.length]!;
      const bytes = new TextEncoder().encode(text);
      const cuts = Array.from({ length: 1 + Math.floor(next() * 40) }, () =>
        Math.floor(next() * bytes.length),
      ).sort((a, b) => a - b);

      expect(readInChunks(bytes, cuts), `seed ${seed}`).toEqual(parseSseFrames(text));
    }
  });

  it('holds an unfinished frame back until its blank line arrives', () => {
    const reader = new SseFrameReader();
    const encode = (text: string) => new TextEncoder().encode(text);

    expect(reader.push(encode('data: {"event_id":"a"}\n'))).toEqual([]);
    expect(reader.pendingLength).toBeGreaterThan(0);
    expect(reader.push(encode('\n'))).toEqual([{ data: '{"event_id":"a"}' }]);
    expect(reader.pendingLength).toBe(0);
  });
});

describe('completeFramesEnd', () => {
  it.each([
    ['', 0],
    ['data: a', 0],
    ['data: a\n', 0],
    ['data: a\n\n', 9],
    ['data: a\r\n\r\n', 11],
    ['data: a\r\n', 0],
    ['data: a\n\ndata: b\n', 9],
    ['data: a\n\r', 9],
    ['\n', 1],
  ])('for %j is %i', (text, end) => {
    expect(completeFramesEnd(text)).toBe(end);
  });
});
