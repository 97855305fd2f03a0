import * as v from 'valibot';
import type { Bridges } from './bridges';
import type { ConnectionInfo, ConnectionStore } from './connections';
import { ForbiddenError, NotFoundError, ValidationError, publicView } from './errors';
import { ingestNormalized, type IngestDeps } from './ingest';
import type { EventStore } from './ports';
import { firstIssue, issueError } from './validation';

/** Frames a WebSocket client may send; `action` selects the route (design.md). */
const BridgeId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
export const ClientFrameSchema = v.variant('action', [
  v.object({
    action: v.literal('subscribe'),
    bridge: BridgeId,
    after: v.optional(v.pipe(v.string(), v.minLength(1))),
    /** Every event's delivery frames, not only those of the user's own messages. */
    deliveries: v.optional(v.boolean()),
  }),
  v.object({ action: v.literal('unsubscribe'), bridge: BridgeId }),
  v.object({
    action: v.literal('send'),
    bridge: BridgeId,
    text: v.pipe(v.string(), v.minLength(1, 'text is empty'), v.maxLength(4000)),
    clientMessageId: v.pipe(
      v.string(),
      v.regex(/^[\w.:-]{1,128}$/, 'clientMessageId: 1-128 of [A-Za-z0-9_.:-]'),
    ),
    replyTo: v.optional(v.pipe(v.string(), v.minLength(1))),
  }),
  v.object({ action: v.literal('ping') }),
]);
export type ClientRequest = v.InferOutput<typeof ClientFrameSchema>;

export type ServerFrame =
  | { type: 'subscribed'; bridge: string }
  | { type: 'unsubscribed'; bridge: string }
  | { type: 'ack'; clientMessageId: string; eventId: string; duplicate: boolean }
  | { type: 'pong' }
  | { type: 'event'; event: unknown; cursor: string }
  /** Catch-up stopped at its limit: subscribe again with `after` = `next` for the rest. */
  | { type: 'catch-up-truncated'; bridge: string; next: string }
  | { type: 'error'; code: string; message: string; action?: string };

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
      // Subscribe before catching up: an event stored in between may arrive twice (clients
      // de-duplicate by event id), but none can fall into a gap.
      await deps.connections.subscribe({
        connectionId: connection.connectionId,
        bridgeId: request.bridge,
        sub: connection.sub,
        deliveries: request.deliveries === true,
      });
      await deps.reply({ type: 'subscribed', bridge: request.bridge });
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
      await deps.reply({ type: 'event', event: item.event, cursor: item.cursor });
    }
    sent += page.items.length;
    // A full page may have more behind it; a short page is the end.
    cursor = page.next;
  }
}

/** The one place an error becomes a WebSocket error frame, formatting `publicView`. */
export function toErrorFrame(error: unknown, action?: string): ServerFrame {
  const view = publicView(error, 'the bridge could not handle this frame');
  return { type: 'error', code: view.code, message: view.message, ...(action && { action }) };
}
