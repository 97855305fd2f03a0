import type { DeadLetter, DeadLetterQueue } from '../relay/ports';

/** The dead-letter queue in memory: letters kept whole, in the order they were parked. */
export class MemoryDeadLetterQueue implements DeadLetterQueue {
  readonly letters: DeadLetter[] = [];

  async park(letter: DeadLetter): Promise<void> {
    this.letters.push(structuredClone(letter));
  }
}
