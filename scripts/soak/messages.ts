import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gitpleMessage } from '../../test/e2e/world';

const PINGSTREAMS_DELIVERY = (
  JSON.parse(
    readFileSync(
      resolve(import.meta.dirname, '../../test/fixtures/pingstreams/webhook-message-create.json'),
      'utf8',
    ),
  ) as { body: { token?: string; payload: Record<string, unknown> } & Record<string, unknown> }
).body;

export const ORIGINS = ['gitple', 'pingstreams', 'tigerconnect'] as const;
export type Origin = (typeof ORIGINS)[number];

export const PROJECT = '65f1c0ffee0000000000abcd';
export const REQUEST = `support-group-${PROJECT}-0d9f3c1e2b4a4f6e8a7b9c0d1e2f3a4b`;
export const SOAK_KEYS = {
  gitple: 'gitple-webhook-key-soak',
  pingstreams: '56c189c8-33ae-4930-bd98-410a12aa45ce',
  tigerconnect: 'tiger-forwarder-key-soak',
};

const hex24 = (seed: string) => createHash('sha256').update(seed).digest('hex').slice(0, 24);

/** One provider's webhook for a message carrying `marker`, as that provider sends it. */
export interface SoakWebhook {
  provider: Origin;
  query: string;
  headers: Record<string, string>;
  json: unknown;
}

export function soakMessage(origin: Origin, id: string, marker: string): SoakWebhook {
  const text = `${marker} soak message ${id}`;
  const at =
    new Date(Date.UTC(2024, 4, 2, 10)).getTime() + Number.parseInt(hex24(id).slice(0, 6), 16);
  if (origin === 'gitple') {
    // The end-to-end tests' webhook, at this message's own time.
    const webhook = gitpleMessage(Number.parseInt(hex24(id).slice(0, 10), 16), text);
    return {
      provider: origin,
      query: `?key=${SOAK_KEYS.gitple}`,
      headers: {},
      json: {
        ...webhook,
        channel: { ...webhook.channel, total_message_count: 1, updated_at: at },
        message: { ...webhook.message, created_at: at, updated_at: at },
      },
    };
  }
  if (origin === 'pingstreams') {
    // The recorded delivery, with this message's id and text (and no body token: the
    // subscription secret header verifies it).
    const { token: _token, ...delivery } = PINGSTREAMS_DELIVERY;
    return {
      provider: origin,
      query: '',
      headers: { 'x-hook-secret': SOAK_KEYS.pingstreams },
      json: {
        ...delivery,
        timestamp: at,
        payload: { ...delivery.payload, _id: hex24(`ps-${id}`), text, attributes: {} },
      },
    };
  }
  return {
    provider: origin,
    query: `?key=${SOAK_KEYS.tigerconnect}`,
    headers: {},
    json: {
      event_id: `soak-event-${id}`,
      event: {
        'tigertext:iq:message': {
          message_id: `soak-message-${hex24(id)}`,
          sender_token: 'u-abc',
          sender_organization: 'org-1',
          recipient_token: 'u-def',
          recipient_organization: 'org-1',
          created_time: new Date(at).toISOString(),
          body: text,
          ttl: 43200,
          dor: false,
          status: 'New',
          attachments: [],
          data: [],
        },
      },
    },
  };
}
