import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSseFrames, type SseFrame } from '../../../functions/providers/tigerconnect/sse';
import { FIXTURES } from '../../support/harness';

/** A small seeded PRNG (mulberry32) so every fuzz run is reproducible from its seed. */
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

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

const FRAGMENTS = [
  'data',
  'data:',
  'data: ',
  'event:',
  'id:',
  'retry: 10',
  ':',
  ': comment',
  ' ',
  '\n',
  '\r',
  '\r\n',
  '\n\n',
  '\uFEFF',
  '\u0000',
  '{"event_id":"e"}',
  'x',
  '🚑',
  '世界',
  '\uD800',
] as const;

function randomStream(next: () => number): string {
  const length = Math.floor(next() * 40);
  return Array.from({ length }, () => pick(next, FRAGMENTS)).join('');
}

const VALUE_CHARS = ['a', 'Z', '0', ' ', ':', '{', '"', 'é', '🚑', '\t'] as const;

function randomValue(next: () => number, min = 0): string {
  const length = min + Math.floor(next() * 12);
  return Array.from({ length }, () => pick(next, VALUE_CHARS)).join('');
}

function randomFrames(next: () => number): SseFrame[] {
  return Array.from({ length: Math.floor(next() * 5) }, () => {
    const lines = Array.from({ length: 1 + Math.floor(next() * 3) }, () => randomValue(next));
    const event = next() < 0.5 ? randomValue(next, 1) : undefined;
    const id = next() < 0.5 ? randomValue(next) : undefined;
    return {
      ...(event !== undefined && { event }),
      data: lines.join('\n'),
      ...(id !== undefined && { id }),
    };
  });
}

function serialize(frames: SseFrame[], next: () => number): string {
  const eol = pick(next, ['\n', '\r', '\r\n'] as const);
  const out: string[] = [];
  for (const frame of frames) {
    if (next() < 0.3) out.push(`: ${randomValue(next)}${eol}`);
    if (frame.event !== undefined) out.push(`event: ${frame.event}${eol}`);
    if (frame.id !== undefined) out.push(`id: ${frame.id}${eol}`);
    for (const line of frame.data.split('\n')) out.push(`data: ${line}${eol}`);
    out.push(eol);
  }
  return out.join('');
}

describe('parseSseFrames', () => {
  it('reads a captured stream: fields, comments, CRLF, multi-line data, cut-off tail', () => {
    const text = readFileSync(resolve(FIXTURES, 'tigerconnect/sse-stream.txt'), 'utf8');

    const frames = parseSseFrames(text);

    expect(frames).toHaveLength(3);
    expect(frames[0]).toMatchObject({
      event: 'tigertext',
      id: '00000000-1111-2222-3333-444444444444',
    });
    expect(JSON.parse(frames[0]!.data)).toMatchObject({
      event_id: '00000000-1111-2222-3333-444444444444',
      event: { 'tigertext:iq:message': { body: 'hello' } },
    });
    expect(frames[1]).toEqual({ event: 'sse:heartbeat', data: '{}' });
    expect(frames[2]).toEqual({ data: 'first line\nsecond line\n indented' });
  });

  it('gives the same frames for LF, CR and CRLF line ends', () => {
    const lf = 'event: a\ndata: 1\ndata: 2\n\ndata: 3\n\n';

    const frames = [lf, lf.replaceAll('\n', '\r'), lf.replaceAll('\n', '\r\n')].map(parseSseFrames);

    expect(frames[1]).toEqual(frames[0]);
    expect(frames[2]).toEqual(frames[0]);
    expect(frames[0]).toEqual([{ event: 'a', data: '1\n2' }, { data: '3' }]);
  });

  it('skips comments, frames without data, retry and unknown fields', () => {
    const text = ': hi\n\nevent: only-a-type\n\nretry: 5000\nfoo: bar\ndata\n\n';

    expect(parseSseFrames(text)).toEqual([{ data: '' }]);
  });

  it('strips a byte-order mark and only one space after the colon', () => {
    expect(parseSseFrames('\uFEFFdata:  two spaces\n\n')).toEqual([{ data: ' two spaces' }]);
  });

  it('ignores an id containing NUL and does not carry an id to the next frame', () => {
    const text = 'id: a\u0000b\ndata: x\n\nid: 7\ndata: y\n\ndata: z\n\n';

    expect(parseSseFrames(text)).toEqual([{ data: 'x' }, { data: 'y', id: '7' }, { data: 'z' }]);
  });

  it('returns nothing for an empty or unterminated input', () => {
    expect(parseSseFrames('')).toEqual([]);
    expect(parseSseFrames('data: no blank line yet\n')).toEqual([]);
  });

  it('never throws and is deterministic on random input', () => {
    for (let seed = 1; seed <= 3000; seed += 1) {
      const text = randomStream(random(seed));

      const first = parseSseFrames(text);
      const second = parseSseFrames(text);

      expect(second, `seed ${seed}`).toEqual(first);
      for (const frame of first) {
        expect(frame.data, `seed ${seed}`).not.toMatch(/\r/);
        expect(frame.event ?? '', `seed ${seed}`).not.toMatch(/[\r\n]/);
        expect(frame.id ?? '', `seed ${seed}`).not.toMatch(/[\r\n]/);
        expect(frame.id ?? '', `seed ${seed}`).not.toContain('\u0000');
      }
    }
  });

  it('reads back any frames written in event-stream format', () => {
    for (let seed = 1; seed <= 1000; seed += 1) {
      const next = random(seed);
      const frames = randomFrames(next);

      const parsed = parseSseFrames(serialize(frames, next));

      expect(parsed, `seed ${seed}`).toEqual(frames);
    }
  });
});
