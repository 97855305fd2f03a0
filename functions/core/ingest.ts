import * as v from 'valibot';
import type { Bridges } from './bridges';
import type { BridgeRuleEngine } from './bridge-rule-engine';
import { ValidationError } from './errors';
import { CommonEventSchema, type CommonEvent } from './event';
import { deterministicEventId } from './event-id';
import { checkDraftLimits, checkEventSize } from './limits';
import type { EventDraft, Normalized, WebhookAdapter, WebhookRequest } from './inbound';
import type { Logger } from './log';
import type { EventStore, Metrics, StoredEvent } from './ports';
import type { BotIdentities } from './provider-registry';
import { channelKey, type ProviderName } from './providers';
import { issueError } from './validation';

export interface IngestDeps {
  store: EventStore;
  bridges: Bridges;
  /** Bridge bot identities per provider: their messages are echoes even without a marker. */
  botIdentities: BotIdentities;
  metrics: Metrics;
  log: Logger;
  /** Rules that open a bridge for a new channel (before storing) and close it (after). */
  rules?: BridgeRuleEngine;
}

export interface IngestResult {
  stored: string[];
  duplicates: string[];
  echoes: string[];
  ignored: { kind: string; reason: string }[];
}

/** Verify, parse, normalize and store one webhook delivery. */
export async function ingestWebhook(
  adapter: WebhookAdapter,
  request: WebhookRequest,
  deps: IngestDeps,
): Promise<IngestResult> {
  adapter.verify(request);
  const payload = adapter.parse(request.body);
  return ingestNormalized(adapter.provider, adapter.normalize(payload), request.body, deps);
}

/** Store what an adapter normalized: one conditional write per event, duplicates are no-ops. */
export async function ingestNormalized(
  provider: ProviderName,
  normalized: Normalized,
  raw: unknown,
  deps: IngestDeps,
): Promise<IngestResult> {
  const result: IngestResult = {
    stored: [],
    duplicates: [],
    echoes: [],
    ignored: normalized.ignored,
  };
  for (const ignored of normalized.ignored) {
    deps.metrics.count('IgnoredEvents', { provider, kind: ignored.kind });
    deps.log.info('ignored provider event', {
      provider,
      kind: ignored.kind,
      reason: ignored.reason,
    });
  }
  // Build every event before writing any, so a bad draft stores nothing of its delivery.
  const bots = normalized.events.length > 0 ? await deps.botIdentities.of(provider) : [];
  // A rule opens its bridge before anything is stored: the first event is the bridge's too.
  const bridges = deps.rules
    ? await deps.rules.open(provider, normalized.events, deps.bridges)
    : deps.bridges;
  const events = normalized.events.map((draft) =>
    toStoredEvent(provider, draft, raw, { bridges, bots }),
  );
  for (const stored of events) {
    const outcome = await deps.store.putEvent(stored);
    const id = stored.event.id;
    if (outcome === 'duplicate') {
      result.duplicates.push(id);
      deps.metrics.count('DuplicateDeliveries', { provider });
    } else {
      result.stored.push(id);
      if (stored.echo) result.echoes.push(id);
      deps.metrics.count('StoredEvents', { provider });
    }
    deps.log.info(outcome === 'duplicate' ? 'duplicate event' : 'stored event', {
      eventId: id,
      type: stored.event.type,
      provider,
      subject: stored.event.subject,
      echo: stored.echo,
    });
  }
  await deps.rules?.close(provider, normalized.events, bridges);
  return result;
}

export function toStoredEvent(
  provider: ProviderName,
  draft: EventDraft,
  raw: unknown,
  deps: Pick<IngestDeps, 'bridges'> & { bots: readonly string[] },
): StoredEvent {
  checkDraftLimits(draft);
  const found = deps.bridges.forChannel(provider, draft.channel.id);
  // An out-only channel is written to, never read from: its events stay outside the bridge.
  const bridge = found && found.channel.direction !== 'out' ? found.bridge : undefined;
  const marker = draft.echoMarker;
  const sentByBot = draft.sender !== undefined && deps.bots.includes(draft.sender.id);
  // Only a message the bridge itself posted is an echo. Edits and deletes of a copy carry the
  // copy's marker and bot author too, yet may be a person's action; the relay's deletion claim
  // is what stops the bridge's own deletes from going round again.
  const echo = draft.type === 'chat.message.created' && (marker !== undefined || sentByBot);
  const candidate: CommonEvent = {
    specversion: '1.0',
    id: deterministicEventId(provider, draft.type, draft.channel.id, draft.identity),
    source: `chat-bridge/${provider}`,
    type: draft.type,
    subject: bridge?.id ?? channelKey(provider, draft.channel.id),
    time: toIsoTime(draft.occurredAt),
    datacontenttype: 'application/json',
    data: {
      provider,
      channel: draft.channel,
      ...(draft.sender && { sender: draft.sender }),
      ...(draft.message && { message: draft.message }),
      ...(draft.member && { member: draft.member }),
      ...(marker?.provider &&
        marker.eventId && {
          relayOf: { provider: marker.provider, eventId: marker.eventId },
        }),
    },
  };
  const checked = v.safeParse(CommonEventSchema, candidate);
  if (!checked.success) {
    // An adapter produced an event outside the contract: a bug of ours, but the caller's
    // payload is what triggered it, so it is refused as a whole and nothing is stored.
    throw issueError(checked.issues, 'normalized event is invalid');
  }
  checkEventSize(JSON.stringify(checked.output));
  return {
    event: checked.output,
    channelKey: channelKey(provider, draft.channel.id),
    echo,
    raw,
  };
}

function toIsoTime(value: string | number | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new ValidationError(`event time is not a valid time: ${String(value)}`, 'time');
  }
  return date.toISOString();
}
