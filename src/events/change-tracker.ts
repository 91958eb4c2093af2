/**
 * Tells page caches when public content may have changed. Local writes bump the generation at
 * once; changes made by other nodes (or the CLI) are picked up by polling the highest event id,
 * at most once per interval, so with several nodes a page can be stale for that long.
 *
 * Only the services bump (each is given `() => changes.bump()` in src/services.ts and calls it
 * after committing a change readers can see). The HTTP layer never does: a request's method and
 * status say nothing about whether public output changed, and bumping on every successful POST
 * let anyone empty the caches (an anonymous logout answers 303).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { latestEventId } from './events.js';

export class ChangeTracker {
  private generation = 0;
  private lastEventId = -1;
  private lastCheck = 0;
  private inflight: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly intervalMs: number,
    private readonly onChange: () => void,
  ) {}

  /** Called after a local public change. */
  bump(): void {
    this.generation++;
    this.onChange();
    for (const l of this.listeners) l();
  }

  /**
   * Runs `listener` after every local change (background work uses it to handle a change at once
   * instead of on its next poll). Returns the function that removes it.
   */
  onLocalChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The current generation; triggers a background check of the event log when due. */
  current(): number {
    const now = Date.now();
    if (now - this.lastCheck >= this.intervalMs && !this.inflight) {
      this.lastCheck = now;
      this.inflight = this.check().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.generation;
  }

  /** Checks the event log now; resolves once the generation reflects it. */
  async check(): Promise<void> {
    try {
      const id = await latestEventId(this.db);
      if (id !== this.lastEventId) {
        if (this.lastEventId !== -1) {
          this.generation++;
          this.onChange();
        }
        this.lastEventId = id;
      }
    } catch {
      // A failed check (database briefly unavailable) keeps the current generation; the next
      // request will try again.
    }
  }
}
