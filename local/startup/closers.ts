/** A shutdown step for something a start-up step started. */
export type Closer = () => Promise<void> | void;

/**
 * What has started so far, closed in reverse order of start: a start-up that fails in step N
 * closes steps 1..N-1, and close() closes them all, dependants before what they depend on.
 */
export class Closers {
  private readonly started: Closer[] = [];

  add(close: Closer): void {
    this.started.unshift(close);
  }

  /** Closes each once; a failing step goes to onError and the others still close. */
  async closeAll(onError: (error: unknown) => void = () => undefined): Promise<void> {
    for (const close of this.started.splice(0)) {
      try {
        await close();
      } catch (error) {
        onError(error);
      }
    }
  }
}
