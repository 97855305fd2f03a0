import { ticketKey, type SendOrderStore, type SendTicket } from '../send-order';

/** The send ordering gate in memory: the DynamoDB gate's contract. */
export class MemorySendOrderStore implements SendOrderStore {
  /** connection id -> ticket key -> registered at */
  private readonly byConnection = new Map<string, Map<string, number>>();

  constructor(private readonly now: () => number = Date.now) {}

  async register(ticket: SendTicket): Promise<void> {
    const tickets = this.byConnection.get(ticket.connectionId) ?? new Map<string, number>();
    tickets.set(ticketKey(ticket), this.now());
    this.byConnection.set(ticket.connectionId, tickets);
  }

  async earlierInProgress(ticket: SendTicket, registeredSince: number): Promise<number> {
    const own = ticketKey(ticket);
    let count = 0;
    for (const [key, at] of this.byConnection.get(ticket.connectionId) ?? []) {
      if (key < own && at > registeredSince) count += 1;
    }
    return count;
  }

  async release(ticket: SendTicket): Promise<void> {
    this.byConnection.get(ticket.connectionId)?.delete(ticketKey(ticket));
  }

  private readonly sequenced = new Map<string, number>();

  async sequencedThrough(connectionId: string): Promise<number> {
    return this.sequenced.get(connectionId) ?? 0;
  }

  async markSequenced(connectionId: string, seq: number): Promise<void> {
    this.sequenced.set(connectionId, Math.max(seq, this.sequenced.get(connectionId) ?? 0));
  }
}
