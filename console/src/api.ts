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

export type Direction = 'in' | 'out' | 'inout';

/** One bridge as the operator API takes it (`PUT /bridges/{id}`): the bridges file's format. */
export interface BridgeDocument {
  id: string;
  channels: { provider: string; channel: string; direction?: Direction; mode?: string }[];
  senderFormat?: string;
  relay?: string[];
}

/** One bridge as `GET /bridges` and `GET /bridges/{id}` answer it. */
export interface BridgeView {
  id: string;
  version: number;
  origin: string;
  status: string;
  ruleId?: string;
  bridge: BridgeDocument;
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

  bridges(): Promise<{ bridges: BridgeView[] }> {
    return this.call('GET', '/bridges');
  }

  bridge(id: string): Promise<BridgeView> {
    return this.call('GET', `/bridges/${encodeURIComponent(id)}`);
  }

  /** Create (no version) or replace the version read: `If-Match` carries it as its ETag. */
  putBridge(document: BridgeDocument, version?: number): Promise<BridgeView> {
    return this.call('PUT', `/bridges/${encodeURIComponent(document.id)}`, {
      body: document,
      ...(version !== undefined && { ifMatch: `"${version}"` }),
    });
  }

  /** Close (delete) the bridge at the version read. */
  async deleteBridge(id: string, version: number): Promise<void> {
    await this.call('DELETE', `/bridges/${encodeURIComponent(id)}`, { ifMatch: `"${version}"` });
  }

  /** The providers this deployment knows (`GET /health`), for the channel picker. */
  async providers(): Promise<string[]> {
    const health = await this.call<{ providers?: Record<string, string> }>('GET', '/health');
    return Object.keys(health.providers ?? {});
  }

  deadLetters(): Promise<{ letters: DeadLetterSummary[] }> {
    return this.call('GET', '/dead-letters');
  }

  replay(messageId: string): Promise<ReplayResult> {
    return this.call('POST', `/dead-letters/${encodeURIComponent(messageId)}/replay`);
  }

  private async call<T>(
    method: string,
    path: string,
    options: { body?: unknown; ifMatch?: string } = {},
  ): Promise<T> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token()}`,
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
        ...(options.ifMatch !== undefined && { 'if-match': options.ifMatch }),
      },
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
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
