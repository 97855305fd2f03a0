import type { Bridge, Bridges } from './bridges';
import { causeSummary } from './error-cause';
import { isBridgeError } from './errors';
import type { CommonEvent } from './event';
import { fitText, formatRelayText } from './format';
import type { Logger } from './log';
import type { DeliveryTarget, OutboundAdapter, OutboundMessage } from './outbound';
import type { Metrics } from './ports';
import type { ProviderName } from './providers';
import {
  deliveryKey,
  type Broadcaster,
  type DeadLetterQueue,
  type DeliveryRecord,
  type DeliveryStatus,
  type KnownDeliveries,
  type MessageCopy,
  type MessageRef,
  type RelayState,
} from './relay-ports';
import { DEFAULT_RETRY_POLICY, isRetryable, retryDelayMs, type RetryPolicy } from './retry';

export interface RelayDeps {
  bridges: Bridges;
  adapters: Partial<Record<ProviderName, OutboundAdapter>>;
  state: RelayState;
  broadcaster: Broadcaster;
  deadLetters: DeadLetterQueue;
  metrics: Metrics;
  log: Logger;
  retry?: RetryPolicy;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms after which no retry wait may end: the Lambda's own deadline, less a margin. */
  deadline?: number;
}

/** A stored event as the relay reads it from the stream. */
export interface RelayInput {
  event: CommonEvent;
  echo: boolean;
  cursor?: string;
}

const targetKey = (provider: string, channel: string) => `${provider}#${channel}`;

/** What one attempt settled on; a new copy is written with its delivery record. */
type Outcome = Partial<DeliveryRecord> & {
  status: DeliveryStatus;
  detail?: string;
  copy?: MessageCopy;
};

/** The channels of a bridge an event goes to: every other channel that accepts output. */
export function relayTargets(bridge: Bridge, event: CommonEvent): DeliveryTarget[] {
  const origin = bridge.channels.find(
    (c) => c.provider === event.data.provider && c.channel === event.data.channel.id,
  );
  if (origin?.direction === 'out') return [];
  return bridge.channels
    .filter((c) => c !== origin && c.direction !== 'in')
    .map((c) => ({ provider: c.provider, channel: c.channel, mode: c.mode }));
}

/**
 * Deliver one stored event to one target channel, with retries, and record the outcome
 * (pushed to the bridge's clients as a `delivery` frame). Idempotent: a settled delivery is
 * returned as it is, so stream retries never deliver twice.
 */
export async function relayEventTo(
  input: RelayInput,
  target: DeliveryTarget,
  deps: RelayDeps,
  options: { replay?: boolean; known?: KnownDeliveries } = {},
): Promise<DeliveryRecord> {
  const { event } = input;
  const bridge = deps.bridges.get(event.subject);
  const key = targetKey(target.provider, target.channel);
  // A batch reads its delivery records up front in one request; alone, one is read here.
  const done = options.known
    ? options.known.get(deliveryKey(event.id, key))
    : await deps.state.getDelivery(event.id, key);
  // A stream retry re-reads the batch: what was settled before is not delivered again.
  // A replay from the dead-letter queue retries exactly what failed, and nothing that did not.
  const settled =
    done && done.status !== 'retrying' && !(options.replay && done.status === 'failed');
  if (settled) return done;
  const settle = (status: DeliveryStatus, detail?: string, extra: Partial<Outcome> = {}) =>
    recordDelivery(deps, bridge?.id ?? event.subject, event, target, { status, detail, ...extra });

  const adapter = deps.adapters[target.provider];
  if (!adapter) return settle('skipped', `${target.provider} has no outbound delivery`);
  const unavailable = adapter.unavailableReason();
  if (unavailable) return settle('skipped', unavailable);
  const caps = adapter.capabilities(target);
  const message = event.data.message;
  if (!message)
    return settle('skipped', `${event.type} is not relayed to providers, only messages are`);

  const originRef: MessageRef = {
    provider: event.data.provider,
    channel: event.data.channel.id,
    messageId: message.id,
  };
  const attempt = async (): Promise<Outcome> => {
    switch (event.type) {
      case 'chat.message.created': {
        if (!caps.send)
          return { status: 'skipped', detail: `${target.provider} cannot receive messages` };
        const outbound = await buildOutbound(event, bridge, adapter, target, deps);
        const sent = await adapter.send(target, outbound.message);
        return {
          status: 'delivered',
          targetMessageId: sent.messageId,
          ...(outbound.detail && { detail: outbound.detail }),
          copy: {
            origin: originRef,
            copy: { provider: target.provider, channel: target.channel, messageId: sent.messageId },
          },
        };
      }
      case 'chat.message.updated':
      case 'chat.message.deleted': {
        const isEdit = event.type === 'chat.message.updated';
        const operation = isEdit ? adapter.edit : adapter.delete;
        if (!(isEdit ? caps.edit : caps.delete) || !operation) {
          return {
            status: 'skipped',
            detail: `${target.provider} does not support ${isEdit ? 'edits' : 'deletes'}`,
          };
        }
        const root = await rootOf(originRef, deps.state);
        // The bridge's own deletes come back (IVS logs them, Gitple reports them) as new
        // delete events of a copy; the first delete of a message claims it, the rest stop here.
        if (!isEdit && !(await deps.state.claimDeletion(root, event.id))) {
          return {
            status: 'skipped',
            detail: 'the message was already deleted through the bridge',
          };
        }
        const copyId = await copyIn(root, target, deps.state);
        if (!copyId)
          return { status: 'skipped', detail: 'the original message was never relayed there' };
        if (isEdit) {
          const outbound = await buildOutbound(event, bridge, adapter, target, deps);
          await adapter.edit!(target, copyId, outbound.message);
        } else {
          const reason =
            typeof message.meta?.reason === 'string'
              ? message.meta.reason
              : 'deleted at the origin';
          await adapter.delete!(target, copyId, reason);
        }
        return { status: 'delivered', targetMessageId: copyId };
      }
      default:
        return { status: 'skipped', detail: `${event.type} is not relayed to providers` };
    }
  };
  // Attempts made by earlier invocations count: the limit holds across stream retries.
  const previousAttempts = done?.status === 'retrying' ? done.attempts : 0;
  return withRetries(
    attempt,
    event,
    target,
    bridge?.id ?? event.subject,
    deps,
    settle,
    previousAttempts,
  );
}

/**
 * Thrown when the invocation has no time left for another attempt or wait: the record is
 * handed back to the stream (a batch item failure), which retries it in order with a fresh
 * time budget, instead of parking it and letting later messages overtake it.
 */
export class RelayOutOfTimeError extends Error {
  override readonly name = 'RelayOutOfTimeError';
}

/** The longest one provider call may take (adapters time out at 5-10 s). */
export const ATTEMPT_BUDGET_MS = 15_000;

async function withRetries(
  attempt: () => Promise<Outcome>,
  event: CommonEvent,
  target: DeliveryTarget,
  bridgeId: string,
  deps: RelayDeps,
  settle: (
    status: DeliveryStatus,
    detail?: string,
    extra?: Partial<Outcome>,
  ) => Promise<DeliveryRecord>,
  previousAttempts: number,
): Promise<DeliveryRecord> {
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const fits = (ms: number) => deps.deadline === undefined || now() + ms <= deps.deadline;
  for (let attempts = previousAttempts + 1; ; attempts += 1) {
    if (!fits(ATTEMPT_BUDGET_MS)) {
      throw new RelayOutOfTimeError(`no time left to deliver ${event.id} to ${target.provider}`);
    }
    try {
      const outcome = await attempt();
      return await settle(outcome.status, outcome.detail, { ...outcome, attempts });
    } catch (error) {
      if (error instanceof RelayOutOfTimeError) throw error;
      const shown = describeForClients(error);
      if (!isRetryable(error) || attempts >= policy.attempts) {
        const full = describeForOperators(error);
        deps.log.warn('delivery failed; parked in the dead-letter queue', {
          eventId: event.id,
          target: targetKey(target.provider, target.channel),
          attempts,
          detail: full,
        });
        await deps.deadLetters.park({
          event,
          target,
          bridgeId,
          attempts,
          error: full,
          failedAt: new Date(now()).toISOString(),
        });
        deps.metrics.count('DeliveriesFailed', { provider: target.provider });
        return settle('failed', shown, { attempts });
      }
      // Never sooner than the provider's Retry-After; if that wait does not fit in this
      // invocation, the stream brings the record back later.
      const delay = retryDelayMs(error, attempts - 1, policy);
      await settle('retrying', `${shown}; retrying in ${delay} ms`, { attempts });
      if (!fits(delay + ATTEMPT_BUDGET_MS)) {
        throw new RelayOutOfTimeError(
          `${event.id} to ${target.provider}: Retry-After exceeds this invocation`,
        );
      }
      await sleep(delay);
    }
  }
}

/** An edit, delete or reply may point at a copy: the origin it was copied from, or itself. */
async function rootOf(ref: MessageRef, state: RelayState): Promise<MessageRef> {
  return (await state.findOrigin(ref)) ?? ref;
}

/** The id a root message has in one target channel: itself there, else its relayed copy. */
async function copyIn(root: MessageRef, target: DeliveryTarget, state: RelayState) {
  if (root.provider === target.provider && root.channel === target.channel) return root.messageId;
  return state.findCopy(root, target);
}

async function buildOutbound(
  event: CommonEvent,
  bridge: Bridge | undefined,
  adapter: OutboundAdapter,
  target: DeliveryTarget,
  deps: RelayDeps,
): Promise<{ message: OutboundMessage; detail?: string }> {
  const message = event.data.message!;
  const caps = adapter.capabilities(target);
  const sender = event.data.sender ?? { id: 'unknown' };
  const attachmentLines = caps.attachments
    ? []
    : message.attachments.map((a) => `📎 ${[a.name, a.url].filter(Boolean).join(' ')}`);
  const body = [message.text ?? '', ...attachmentLines].filter((line) => line !== '').join('\n');
  const formatted = formatRelayText(bridge?.senderFormat ?? '{sender}: {text}', {
    provider: event.data.provider,
    sender: sender.displayName ?? sender.id,
    text: body,
    channel: event.data.channel.name ?? event.data.channel.id,
  });
  const fitted = fitText(formatted, caps.maxTextLength);
  let replyTo: string | undefined;
  if (message.replyTo && caps.replies) {
    const repliedTo = await rootOf(
      { provider: event.data.provider, channel: event.data.channel.id, messageId: message.replyTo },
      deps.state,
    );
    replyTo = await copyIn(repliedTo, target, deps.state);
  }
  return {
    message: {
      text: fitted.text,
      attachments: caps.attachments ? message.attachments : [],
      ...(replyTo && { replyTo }),
      sender,
      marker: {
        origin: event.data.relayOf?.provider ?? event.data.provider,
        eventId: event.id,
        originMessageId: message.id,
      },
    },
    ...(fitted.truncated && { detail: `text truncated to ${caps.maxTextLength} code points` }),
  };
}

async function recordDelivery(
  deps: RelayDeps,
  bridgeId: string,
  event: CommonEvent,
  target: DeliveryTarget,
  outcome: Partial<Outcome> & { status: DeliveryStatus },
): Promise<DeliveryRecord> {
  const record: DeliveryRecord = {
    eventId: event.id,
    target: targetKey(target.provider, target.channel),
    status: outcome.status,
    attempts: outcome.attempts ?? 0,
    ...(outcome.detail && { detail: outcome.detail }),
    ...(outcome.targetMessageId && { targetMessageId: outcome.targetMessageId }),
    updatedAt: new Date((deps.now ?? Date.now)()).toISOString(),
  };
  await deps.state.putDelivery(record, outcome.copy);
  deps.metrics.count('Deliveries', { provider: target.provider, status: record.status });
  deps.log.info('delivery', {
    eventId: event.id,
    target: record.target,
    status: record.status,
    detail: record.detail,
  });
  await deps.broadcaster
    .broadcast(bridgeId, {
      type: 'delivery',
      eventId: event.id,
      target: target.provider,
      channel: target.channel,
      status: record.status,
      ...(record.detail && { detail: record.detail }),
    })
    .catch((error: unknown) =>
      deps.log.warn('delivery frame not pushed', { eventId: event.id, error }),
    );
  return record;
}

/** What subscribers may see: a provider's own refusal, never an internal error's text. */
function describeForClients(error: unknown): string {
  if (isBridgeError(error) && error.expose) {
    const status = (error as { providerStatus?: number }).providerStatus;
    return status ? `${error.message} (HTTP ${status})` : error.message;
  }
  return 'internal error; see the relay logs';
}

/** What operators see in the logs and the dead-letter letter. */
function describeForOperators(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { providerStatus?: number }).providerStatus;
    const cause = causeSummary(error);
    const base = status ? `${error.message} (HTTP ${status})` : `${error.name}: ${error.message}`;
    return cause ? `${base}; cause: ${cause}` : base;
  }
  return String(error);
}
