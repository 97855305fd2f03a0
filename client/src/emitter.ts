/** A small typed emitter: works the same in browsers and Node, with no EventTarget quirks. */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Listen; the returned function stops listening. */
  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => this.off(type, listener);
  }

  off<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): void {
    this.listeners.get(type)?.delete(listener as (payload: never) => void);
  }

  protected emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) {
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch (error) {
        // One app listener throwing must not stop the others or the connection.
        const { reportError } = globalThis as { reportError?: (error: unknown) => void };
        if (reportError) reportError(error);
        // eslint-disable-next-line no-console -- Node 20 has no reportError; never swallow it.
        else console.error(error);
      }
    }
  }
}
