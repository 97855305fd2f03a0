import type { AckFrame, ClientFrame, ErrorFrame } from './frames.js';

export class SendTimeoutError extends Error {
  override readonly name = 'SendTimeoutError';
  constructor(
    readonly clientMessageId: string,
    timeoutMs: number,
  ) {
    super(`no ack for message ${clientMessageId} within ${timeoutMs} ms`);
  }
}

export class SendRefusedError extends Error {
  override readonly name = 'SendRefusedError';
  constructor(readonly frame: ErrorFrame) {
    super(`${frame.code}: ${frame.message}`);
  }
}

type SendFrame = Extract<ClientFrame, { action: 'send' }>;

interface PendingSend {
  frame: SendFrame;
  resolve(ack: AckFrame): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Sends waiting for their ack. Each keeps its `clientMessageId` for its whole life, so a resend
 * after a reconnect is the same message to the server (stored once, acked again); the promise
 * settles once, on the first ack, a refusal, or the timeout.
 */
export class PendingSends {
  private readonly pending = new Map<string, PendingSend>();

  constructor(private readonly timeoutMs: number) {}

  add(frame: SendFrame): Promise<AckFrame> {
    return new Promise<AckFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(frame.clientMessageId);
        reject(new SendTimeoutError(frame.clientMessageId, this.timeoutMs));
      }, this.timeoutMs);
      this.pending.set(frame.clientMessageId, { frame, resolve, reject, timer });
    });
  }

  /** Frames still waiting for an ack, oldest first: what to send again on a new connection. */
  frames(): SendFrame[] {
    return [...this.pending.values()].map((entry) => entry.frame);
  }

  acknowledge(ack: AckFrame): void {
    const entry = this.take(ack.clientMessageId);
    entry?.resolve(ack);
  }

  /** An error frame naming one of our sends: the server will not take it, so stop retrying. */
  refuse(error: ErrorFrame): boolean {
    const entry = error.clientMessageId ? this.take(error.clientMessageId) : undefined;
    entry?.reject(new SendRefusedError(error));
    return entry !== undefined;
  }

  rejectAll(reason: Error): void {
    for (const id of [...this.pending.keys()]) this.take(id)?.reject(reason);
  }

  private take(clientMessageId: string): PendingSend | undefined {
    const entry = this.pending.get(clientMessageId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.pending.delete(clientMessageId);
    return entry;
  }
}
