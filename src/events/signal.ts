/**
 * A wake-up call between parts of one process: whoever commits new work (a delivery row, a
 * subscription) notifies; the loop that sends it listens and runs at once instead of on its next
 * poll. Only a hint — work committed on another node is found by polling.
 */
export class Signal {
  private readonly listeners = new Set<() => void>();

  notify(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch {
        // A listener's failure is its own; the work is in the database either way.
      }
    }
  }

  /** Returns the function that removes the listener. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
