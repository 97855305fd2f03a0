import * as v from 'valibot';
import type { Bridges } from './bridges';
import type { ConnectionInfo, ConnectionStore } from './connections';
import { ForbiddenError, NotFoundError, ValidationError, publicView } from './errors';
import { ingestNormalized, type IngestDeps } from './ingest';
import type { EventStore } from './ports';
import { decodeCursor, encodeCursor, settleHorizon } from './event-cursor';
import { firstIssue, issueError } from './validation';

const SEQ_RULE = 'seq must be a whole number from 1, one more for each send on this connection';

/** Frames a WebSocket client may send; `action` selects the route (design.md). */
const BridgeId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
export const ClientFrameSchema = v.variant('action', [
  v.object({
    action: v.literal('subscribe'),
    bridge: BridgeId,
    after: v.optional(
      v.pipe(
        v.string('after must be a cursor string from an earlier event frame'),
        v.minLength(1, 'after must be a cursor string from an earlier event frame'),
      ),
    ),
    /** Every event's delivery frames, not only those of the user's own messages. */
    deliveries: v.optional(v.boolean()),
  }),
  v.object({ action: v.literal('unsubscribe'), bridge: BridgeId }),
  v.object({
    action: v.literal('send'),
    bridge: BridgeId,
    text: v.pipe(
      v.string('text must be a string'),
      v.minLength(1, 'text is empty'),
      v.maxLength(4000, 'text must be at most 4000 characters'),
    ),
    clientMessageId: v.pipe(
      v.string(),
      v.regex(
        /^[\w.:-]{1,128}$/,
        'clientMessageId must be 1 to 128 letters, digits or _ . : - (a UUID works)',
      ),
    ),
    replyTo: v.optional(v.pipe(v.string(), v.minLength(1))),
    /** The client's own count of its sends on this connection: 1, 2, 3... (send order). */
    seq: v.optional(v.pipe(v.number(SEQ_RULE), v.safeInteger(SEQ_RULE), v.minValue(1, SEQ_RULE))),
  }),
  v.object({ action: v.literal('ping') }),
]);
export type ClientRequest = v.InferOutput<typeof ClientFrameSchema>;

export type ServerFrame =
  /**
   * `cursor`: where the subscription starts (the settle horizon of now). A client that has no
   * event cursor yet resumes from it after a reconnect, so events of the gap are not lost.
   */
  | { type: 'subscribed'; bridge: string; cursor: string }
  /** The history after a subscribe's cursor is all sent; what follows is live. */
  | { type: 'caught-up'; bridge: string }
  | { type: 'unsubscribed'; bridge: string }
  | { type: 'ack'; clientMessageId: string; eventId: string; duplicate: boolean }
  | { type: 'pong' }
  /** `catchUp` marks history replayed on subscribe, so a client can order it before live pushes. */
  | { type: 'event'; event: unknown; cursor: string; catchUp: true }
  /** Catch-up stopped at its limit: subscribe again with `after` = `next` for the rest. */
  | { type: 'catch-up-truncated'; bridge: string; next: string }
  | {
      type: 'error';
      code: string;
      message: string;
      action?: string;
      clientMessageId?: string;
    };

export interface ClientActionDeps extends IngestDeps {
  bridges: Bridges;
  connections: ConnectionStore;
  store: EventStore;
  /** Send a frame to the calling connection. */
  reply(frame: ServerFrame): Promise<void>;
  /** Most events one subscribe replays before telling the client to page with its cursor. */
  catchUpLimit?: number;
  /** Stores a `send` in its connection's gateway order (core/send-order.ts); as-is without. */
  inSendOrder?: <T>(store: () => Promise<T>) => Promise<T>;
  /** When the gateway received the frame (epoch ms): a sent message's time. */
  receivedAt?: number;
  /** The clock subscriptions start from (tests set it). */
  now?: () => number;
}

const CATCH_UP_PAGE = 100;

/** Parse a raw frame; bad frames become an error frame, never a dropped connection. */
export function parseClientFrame(body: string | undefined): ClientRequest {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    throw new ValidationError('the frame is not valid JSON');
  }
  const result = v.safeParse(ClientFrameSchema, json);
  if (result.success) return result.output;
  const { field } = firstIssue(result.issues);
  const action = (json as { action?: unknown } | null)?.action;
  if (field === 'action' || field === undefined) {
    throw new ValidationError(
      `unknown action ${JSON.stringify(action ?? null)}; use subscribe, unsubscribe, send or ping`,
      'action',
    );
  }
  throw issueError(result.issues);
}

/**
 * The `action` and `clientMessageId` of a raw frame, when it has them as strings, so an error
 * frame can say which frame it answers even when that frame failed validation.
 */
export function frameEcho(body: string | undefined): { action?: string; clientMessageId?: string } {
  const { action, clientMessageId } = rawFields(body);
  return {
    ...(typeof action === 'string' && { action: action.slice(0, 64) }),
    ...(typeof clientMessageId === 'string' && { clientMessageId: clientMessageId.slice(0, 128) }),
  };
}

/**
 * The client `seq` of a raw `send` frame, when it has a usable one, even if the rest of the
 * frame fails validation: its place in the connection's order is kept either way.
 */
export function sendSequence(body: string | undefined): number | undefined {
  const { action, seq } = rawFields(body);
  return action === 'send' && Number.isSafeInteger(seq) && (seq as number) >= 1
    ? (seq as number)
    : undefined;
}

function rawFields(body: string | undefined): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(body ?? '');
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function allowedBridge(connection: ConnectionInfo, bridgeId: string, bridges: Bridges) {
  if (!bridges.get(bridgeId)) throw new NotFoundError(`unknown bridge "${bridgeId}"`);
  if (connection.bridges && !connection.bridges.includes(bridgeId)) {
    throw new ForbiddenError(`not allowed in bridge "${bridgeId}"`);
  }
}

/** Handle one client frame for an authenticated connection. */
export async function handleClientAction(
  connection: ConnectionInfo,
  request: ClientRequest,
  deps: ClientActionDeps,
): Promise<void> {
  switch (request.action) {
    case 'ping':
      return deps.reply({ type: 'pong' });
    case 'unsubscribe':
      await deps.connections.unsubscribe(connection.connectionId, request.bridge);
      return deps.reply({ type: 'unsubscribed', bridge: request.bridge });
    case 'subscribe': {
      allowedBridge(connection, request.bridge, deps.bridges);
      // A bad cursor refuses the subscribe outright: the client gets an error frame and no
      // subscription, rather than `subscribed` followed by an error it cannot tie to it.
      if (request.after !== undefined) decodeCursor(request.after);
      // Subscribe before catching up: an event stored in between may arrive twice (clients
      // de-duplicate by event id), but none can fall into a gap.
      await deps.connections.subscribe({
        connectionId: connection.connectionId,
        bridgeId: request.bridge,
        sub: connection.sub,
        deliveries: request.deliveries === true,
      });
      await deps.reply({
        type: 'subscribed',
        bridge: request.bridge,
        cursor: encodeCursor(settleHorizon(deps.now?.() ?? Date.now())),
      });
      if (request.after !== undefined) await catchUp(request.bridge, request.after, deps);
      return;
    }
    case 'send': {
      allowedBridge(connection, request.bridge, deps.bridges);
      const inOrder = deps.inSendOrder ?? ((store) => store());
      const result = await inOrder(() =>
        ingestNormalized(
          'web',
          {
            events: [
              {
                type: 'chat.message.created',
                channel: { id: request.bridge },
                occurredAt: new Date(deps.receivedAt ?? Date.now()),
                // The client's own id makes a resend the same occurrence: stored once, acked twice.
                identity: [connection.sub, request.clientMessageId],
                sender: {
                  id: connection.sub,
                  ...(connection.name !== undefined && { displayName: connection.name }),
                },
                message: {
                  id: `${connection.sub}:${request.clientMessageId}`,
                  text: request.text,
                  attachments: [],
                  ...(request.replyTo !== undefined && { replyTo: request.replyTo }),
                },
              },
            ],
            ignored: [],
          },
          {
            action: 'send',
            bridge: request.bridge,
            clientMessageId: request.clientMessageId,
            text: request.text,
            sub: connection.sub,
          },
          deps,
        ),
      );
      const eventId = result.stored[0] ?? result.duplicates[0] ?? '';
      return deps.reply({
        type: 'ack',
        clientMessageId: request.clientMessageId,
        eventId,
        duplicate: result.duplicates.length > 0,
      });
    }
  }
}

async function catchUp(bridgeId: string, after: string, deps: ClientActionDeps) {
  let cursor: string | undefined = after;
  let sent = 0;
  const limit = deps.catchUpLimit ?? 1000;
  while (cursor !== undefined) {
    if (sent >= limit) {
      // Never a silent gap: the client learns where to continue.
      await deps.reply({ type: 'catch-up-truncated', bridge: bridgeId, next: cursor });
      return;
    }
    const page = await deps.store.listEvents(bridgeId, {
      after: cursor,
      limit: Math.min(CATCH_UP_PAGE, limit - sent),
    });
    for (const item of page.items) {
      await deps.reply({ type: 'event', event: item.event, cursor: item.cursor, catchUp: true });
    }
    sent += page.items.length;
    // A full page may have more behind it; a short page is the end.
    cursor = page.next;
  }
  await deps.reply({ type: 'caught-up', bridge: bridgeId });
}

/**
 * The one place an error becomes a WebSocket error frame, formatting `publicView` and echoing
 * the `action` and `clientMessageId` of the frame it answers.
 */
export function toErrorFrame(
  error: unknown,
  echo: { action?: string; clientMessageId?: string } = {},
): ServerFrame {
  const view = publicView(
    error,
    'the bridge could not handle this frame; try again, or report it if it persists',
  );
  return {
    type: 'error',
    code: view.code,
    message: view.message,
    ...(echo.action && { action: echo.action }),
    ...(echo.clientMessageId && { clientMessageId: echo.clientMessageId }),
  };
}
