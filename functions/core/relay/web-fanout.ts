import { afterTurns } from '../concurrency';
import type { Audience } from '../connections';
import type { CommonEvent } from '../event';
import { WEB_PROVIDER } from '../providers';
import { nowOf, type RelayDeps } from './deps';
import type { BatchRecord } from './lanes';
import { deliveryKey, type KnownDeliveries } from './ports';
import { webTargetKey } from './targets';

/**
 * Who gets an event's `delivery` frames: subscribers that asked for every delivery, and the
 * connections of the bridge user who sent it (their app JWT `sub` is the sender id). A
 * provider's user ids live in another namespace, so they never match a bridge user's.
 */
export function deliveryAudience(event: CommonEvent): Audience {
  const sender = event.data.provider === WEB_PROVIDER ? event.data.sender?.id : undefined;
  return { to: 'watchers', ...(sender !== undefined && { senderSub: sender }) };
}

/** The delivery record a push to the bridge's clients is kept under. */
export const webTarget = (record: BatchRecord) => webTargetKey(record.input.event.subject);

/**
 * Push a partition's events to the bridge's WebSocket clients, in order, each once: the push
 * is recorded as a delivery so a stream retry does not push it again. The record is written
 * while the next event goes out (a retry after a lost record pushes again; clients drop a
 * repeated event by id), and every record is written before the batch reports back.
 */
export async function pushToClients(
  partition: readonly BatchRecord[],
  deps: RelayDeps,
  known: KnownDeliveries,
  markFailed: (record: BatchRecord, error: unknown) => void,
) {
  const recorded: Promise<void>[] = [];
  // A stream retry must not push the same event to the clients twice.
  const toPush = partition.filter(
    (record) =>
      deps.bridges.ofEvent(record.input.event.subject) &&
      !known.has(deliveryKey(record.input.event.id, webTarget(record))),
  );
  // Before the lanes start: their delivery frames go out after these pushes (each push says
  // when it is over; the batch's drain frees whatever a failure left waiting).
  deps.deliveryFrames?.expect(toPush.map(({ input }) => input.event.id));
  // A provider call waits on its `sending` intent, and a push on nothing but the posts: two
  // turns let the batch's lanes queue their intents and the state store send them before the
  // posts (ten or a thousand SDK calls) take the event loop.
  await afterTurns(2);
  for (const record of toPush) await pushOne(record, deps, recorded, markFailed);
  await Promise.all(recorded);
}

async function pushOne(
  record: BatchRecord,
  deps: RelayDeps,
  recorded: Promise<void>[],
  markFailed: (record: BatchRecord, error: unknown) => void,
) {
  const { event, cursor } = record.input;
  const target = webTarget(record);
  try {
    const pushed = await deps.broadcaster.broadcast(event.subject, {
      type: 'event',
      event,
      ...(cursor && { cursor }),
    });
    const write = deps.state.putDelivery({
      eventId: event.id,
      target,
      status: 'delivered',
      attempts: 1,
      detail:
        `${pushed.sent} connection(s), ${pushed.gone} gone, ${pushed.failed} failed` +
        (pushed.pages ? `, in ${pushed.pages} fan-out invocation(s)` : ''),
      updatedAt: new Date(nowOf(deps)).toISOString(),
    });
    recorded.push(write.catch((error: unknown) => markFailed(record, error)));
  } catch (error) {
    markFailed(record, error);
  } finally {
    deps.deliveryFrames?.pushed(event.id);
  }
}
