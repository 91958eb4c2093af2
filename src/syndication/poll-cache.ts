/**
 * Answers of the content API's change list kept for a moment, per partner and request, so a
 * partner system (or several of its workers) asking the same question again and again — the
 * usual shape of polling, above all when it has caught up — costs a key check and a send instead
 * of the change-list scan, the access rules for every story on the page and joining the page.
 *
 * Why a stale answer is still a right one: an answer is the change list as it stood at one moment
 * (every change older than that moment's horizon, see access.ts). Served up to TTL_MS later it
 * is still exactly that moment's answer, and its `next` cursor is the last change it holds, not
 * the moment: whatever changed since sorts after that cursor (a change is stamped later than
 * the horizon it missed), so the partner gets it on the following poll. Nothing is skipped; news
 * arrives at most TTL_MS later, well inside the few seconds the change list already waits for
 * (SETTLE_MS).
 *
 * An answer is not served when anything the tracker covers changed since it was made (a story,
 * profile, desk, author or setting, on this node at once, on others within the tracker's
 * interval), when the partner's grants differ (they are part of the key: a license that ends or
 * is revoked never serves an answer made under it), or when the clock moved backwards (tests).
 * Identical requests arriving while an answer is being made wait for that one instead of making
 * their own.
 *
 * Bounded by bytes; the least recently used answers go first.
 */

/** How long an answer is served again (see above). */
export const TTL_MS = 1000;
/**
 * Memory for answers, per node: a dozen full pages of 100 stories. Small on purpose: an answer
 * is worth keeping for a second only, and megabyte buffers kept longer than needed make the
 * garbage collector work harder for every other request.
 */
export const DEFAULT_BUDGET_BYTES = 16 * 1024 * 1024;

export interface PollAnswer {
  body: Buffer;
  /** What the answer delivers, for the receipts written on every answer (cached or not). */
  receipts: Array<{ storyId: string; version: string }>;
}

interface Entry {
  generation: number;
  at: number;
  answer: Promise<PollAnswer>;
  bytes: number;
}

export class PollCache {
  private readonly map = new Map<string, Entry>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs = TTL_MS,
    private readonly budgetBytes = DEFAULT_BUDGET_BYTES,
  ) {}

  /**
   * The answer for `key` made at most ttlMs before `now` under the same tracker generation, or
   * the one `make` gives (shared with identical requests until it settles). A failed answer is
   * not kept.
   */
  answer(key: string, generation: number, now: number, make: () => Promise<PollAnswer>): Promise<PollAnswer> {
    const hit = this.map.get(key);
    if (hit && hit.generation === generation && now >= hit.at && now - hit.at < this.ttlMs) {
      this.hits++;
      // Most recently used last.
      this.map.delete(key);
      this.map.set(key, hit);
      return hit.answer;
    }
    this.misses++;
    if (hit) this.drop(key, hit);
    const entry: Entry = { generation, at: now, answer: make(), bytes: 0 };
    this.map.set(key, entry);
    entry.answer.then(
      (a) => {
        if (this.map.get(key) !== entry) return;
        entry.bytes = a.body.length + key.length;
        this.bytes += entry.bytes;
        this.evict();
      },
      () => {
        if (this.map.get(key) === entry) this.drop(key, entry);
      },
    );
    return entry.answer;
  }

  /** Answers kept (settled or being made). */
  get size(): number {
    return this.map.size;
  }

  private drop(key: string, entry: Entry): void {
    this.map.delete(key);
    this.bytes -= entry.bytes;
  }

  private evict(): void {
    for (const [k, v] of this.map) {
      if (this.bytes <= this.budgetBytes) break;
      this.drop(k, v);
    }
  }
}
