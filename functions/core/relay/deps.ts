import type { Bridges } from '../bridges';
import type { CommonEvent } from '../event';
import type { Logger } from '../log';
import type { OutboundAdapter } from '../outbound';
import type { Metrics } from '../ports';
import type { ProviderName } from '../providers';
import type { RetryPolicy } from '../retry';
import type { DeliveryFrames } from './delivery-frames';
import type {
  Broadcaster,
  DeadLetterQueue,
  DeliveryRecord,
  DeliveryStatus,
  MessageCopy,
  RelayState,
} from './ports';

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
  /**
   * How many times the stream retries a record it is handed back before it gives up on it
   * (its `retryAttempts`): the relay parks a record itself before then, so all that fails
   * lands in the dead-letter queue whole. Unbounded when not given.
   */
  streamRetryAttempts?: number;
  /**
   * Outcomes a provider accepted whose delivery record could not be written, by
   * `deliveryKey`, kept for the container's life: the stream's retry (same shard, same warm
   * container) records them instead of calling the provider again.
   */
  unrecorded?: Map<string, Outcome & { attempts: number }>;
  /**
   * Whether an event ends its bridge's conversation (its rule closes the bridge on it): the
   * channels a portal created for the bridge are then closed at their provider.
   */
  closes?: (event: CommonEvent) => boolean;
  /**
   * Created channels this container knows exist (`provider#channel`), kept for its life: a
   * delivery to one reads no creation record and makes no creation call.
   */
  createdChannels?: Set<string>;
  /**
   * A batch's queue of `delivery` frames (each after its event's own push, off the lanes);
   * without it (a replay) a frame is posted before its outcome is returned.
   */
  deliveryFrames?: DeliveryFrames;
}

/** A stored event as the relay reads it from the stream. */
export interface RelayInput {
  event: CommonEvent;
  echo: boolean;
  cursor?: string;
}

/** What one attempt settled on; a new copy is written with its delivery record. */
export type Outcome = Partial<DeliveryRecord> & {
  status: DeliveryStatus;
  /** What clients may see (delivery frames, the stored record). */
  detail?: string;
  /** What only operators see (the log): e.g. which variables a provider is missing. */
  reason?: string;
  copy?: MessageCopy;
};

/** Records an attempt's outcome (or a decision made before any attempt). */
export type Settle = (
  status: DeliveryStatus,
  detail?: string,
  extra?: Partial<Outcome>,
) => Promise<DeliveryRecord>;

export const nowOf = (deps: RelayDeps) => (deps.now ?? Date.now)();
