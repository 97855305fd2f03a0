/** Event ids already handed to the app, oldest forgotten first once `capacity` is reached. */
export class SeenEvents {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** True the first time an id is offered, false for every repeat. */
  admit(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}
