import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { parseClientFrame } from '../../functions/core/client-actions';
import type { Normalized } from '../../functions/core/inbound';
import { toStoredEvent } from '../../functions/core/ingest';
import type { ProviderName } from '../../functions/core/providers';
import { parseJsonText } from '../../functions/http/json';
import { decodeCursor, encodeCursor } from '../../functions/core/event-cursor';
import { PROVIDERS } from '../../functions/providers';
import { answerAzStackCallback } from '../../functions/providers/azstack/auth-callback';
import { normalizeAzStackMessage } from '../../functions/providers/azstack/inbound';
import { AzStackMessageSchema } from '../../functions/providers/azstack/schema';
import {
  normalizeIvsChatLogRecord,
  normalizeIvsReviewInput,
} from '../../functions/providers/ivs/inbound';
import { IvsChatLogRecordSchema, IvsReviewInputSchema } from '../../functions/providers/ivs/schema';
import { TEST_BRIDGES } from '../support/harness';
import { fixtureBodies, hostileValue, onlyHouse4xx, payloadOf } from './arbitraries';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SETTINGS = {
  GITPLE_WEBHOOK_KEY: 'gitple-key',
  TIGERCONNECT_WEBHOOK_KEY: 'tc-key',
  PINGSTREAMS_WEBHOOK_SECRET: 'ps-secret',
};
const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3J4k5L6';

/** What ingest does after an adapter: build (and serialize) every event of the delivery. */
function build(provider: ProviderName, normalized: Normalized, raw: unknown): void {
  for (const draft of normalized.events) {
    const stored = toStoredEvent(provider, draft, raw, { bridges: TEST_BRIDGES, bots: [] });
    JSON.stringify(stored);
  }
}

describe('fuzz: parsers of untrusted input throw nothing but the house 4xx errors', () => {
  describe.each(['gitple', 'pingstreams', 'tigerconnect'] as const)('%s webhook', (provider) => {
    const adapter = PROVIDERS.webhookAdapter(provider, SETTINGS)!;
    const payloads = payloadOf(fixtureBodies(provider));

    it('parse + normalize + build, on mutated fixtures and arbitrary JSON', async () => {
      await fc.assert(
        fc.asyncProperty(payloads, async (payload) => {
          await onlyHouse4xx(() => {
            const body = parseJsonText(JSON.stringify(payload) ?? 'null');
            build(provider, adapter.normalize(adapter.parse(body)), body);
          });
        }),
        { numRuns: RUNS },
      );
    });

    it('verify, on arbitrary headers, query and body', async () => {
      const request = fc.record({
        headers: fc.dictionary(
          fc.oneof(fc.constantFrom('x-hook-secret', 'authorization'), fc.string()),
          fc.string(),
        ),
        query: fc.dictionary(fc.oneof(fc.constant('key'), fc.string()), fc.string()),
        body: payloads,
      });
      await fc.assert(
        fc.asyncProperty(request, async ({ headers, query, body }) => {
          await onlyHouse4xx(() =>
            adapter.verify({ headers, query, body, rawBody: JSON.stringify(body) ?? '' }),
          );
        }),
        { numRuns: RUNS },
      );
    });
  });

  it('AZStack delegate messages', async () => {
    await fc.assert(
      fc.asyncProperty(payloadOf(fixtureBodies('azstack')), async (payload) => {
        const parsed = v.safeParse(AzStackMessageSchema, payload);
        if (!parsed.success) return;
        await onlyHouse4xx(() => build('azstack', normalizeAzStackMessage(parsed.output), payload));
      }),
      { numRuns: RUNS },
    );
  });

  it('IVS review input and chat-log records', async () => {
    await fc.assert(
      fc.asyncProperty(payloadOf(fixtureBodies('ivs')), async (payload) => {
        const review = v.safeParse(IvsReviewInputSchema, payload);
        if (review.success) {
          await onlyHouse4xx(() =>
            build('ivs', normalizeIvsReviewInput(review.output, new Date()), payload),
          );
        }
        const log = v.safeParse(IvsChatLogRecordSchema, payload);
        if (log.success) {
          await onlyHouse4xx(() =>
            build('ivs', normalizeIvsChatLogRecord(log.output, ROOM), payload),
          );
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('WebSocket frames', async () => {
    const frame = fc.oneof(
      fc.string({ unit: 'binary' }),
      payloadOf([
        { action: 'subscribe', bridge: 'support', after: 'x' },
        { action: 'send', bridge: 'support', text: 'hi', clientMessageId: 'c-1' },
        { action: 'ping' },
      ]).map((value) => JSON.stringify(value)),
      hostileValue.map((value) => JSON.stringify({ action: 'send', bridge: value })),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (text) => {
        await onlyHouse4xx(() => parseClientFrame(text));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('history cursors: any string decodes or is a 400; encoded positions round-trip', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary' }), async (text) => {
        await onlyHouse4xx(() => decodeCursor(text));
        await onlyHouse4xx(() => decodeCursor(encodeCursor(text)));
      }),
      { numRuns: RUNS * 2 },
    );
    fc.assert(
      fc.property(fc.nat({ max: 4e12 }), fc.stringMatching(/^[\w-]{1,40}$/), (ms, id) => {
        const seq = `${String(ms).padStart(13, '0')}#${id}`;
        expect(decodeCursor(encodeCursor(seq))).toBe(seq);
      }),
      { numRuns: RUNS },
    );
  });

  it('the AZStack callback answers 0 or 1 to anything and never throws', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const deps = {
      secrets: {
        AZSTACK_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        AZSTACK_APP_ID: 'app',
        AZSTACK_SECRET_CODE: 'code',
      },
      configured: true,
      appTokens: () => ({
        verify: () => Promise.reject(new Error('not a token')),
      }),
    };
    const body = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.base64String({ maxLength: 400 }).map((token) => `token=${token}`),
      hostileValue.map((token) => JSON.stringify({ token })),
    );
    const contentType = fc.constantFrom(
      undefined,
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain; charset=utf-8',
    );
    await fc.assert(
      fc.asyncProperty(contentType, body, async (type, text) => {
        const outcome = await answerAzStackCallback({ contentType: type, body: text }, deps);
        expect([0, 1]).toContain(outcome.answer.result);
      }),
      { numRuns: RUNS },
    );
  });
});
