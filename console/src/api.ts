import type { BridgeEvent } from '../../client/src';

export interface HistoryPage {
  bridge: string;
  events: { cursor: string; event: BridgeEvent }[];
  next: string | null;
}

export interface DeadLetterSummary {
  messageId: string;
  eventId: string;
  type: string;
  target: string;
  attempts: number;
  error: string;
  failedAt: string;
}

export interface ReplayResult {
  replayed: (DeadLetterSummary & { status: string; detail?: string })[];
  stoppedEarly?: boolean;
}

/** A problem+json answer, shown to the person as its title and detail. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The bridge's HTTP API with the signed-in user's app JWT. */
export class ConsoleApi {
  constructor(
    private readonly base: string,
    private readonly token: () => string,
  ) {}

  history(bridge: string, after?: string): Promise<HistoryPage> {
    const query = new URLSearchParams({ limit: '20', ...(after !== undefined && { after }) });
    return this.call('GET', `/bridges/${encodeURIComponent(bridge)}/events?${query}`);
  }

  /** Bridge ids for the picker; operators only, so anyone else simply types one. */
  async bridgeIds(): Promise<string[]> {
    try {
      const body = await this.call<{ bridges?: { id: string }[] }>('GET', '/bridges');
      return (body.bridges ?? []).map((bridge) => bridge.id);
    } catch {
      return [];
    }
  }

  deadLetters(): Promise<{ letters: DeadLetterSummary[] }> {
    return this.call('GET', '/dead-letters');
  }

  replay(messageId: string): Promise<ReplayResult> {
    return this.call('POST', `/dead-letters/${encodeURIComponent(messageId)}/replay`);
  }

  private async call<T>(method: string, path: string): Promise<T> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token()}` },
    });
    const text = await response.text();
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!response.ok) {
      const detail = [body.title, body.detail ?? body.message].filter(Boolean).join(': ');
      throw new ApiProblem(response.status, `${response.status} ${detail || response.statusText}`);
    }
    return body as T;
  }
}
