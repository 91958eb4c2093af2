/**
 * The pixel's counter: views per story × partner × day and the pages where stories ran, counted
 * in memory and written to the database every `flushIntervalMs` (one second by default) in one
 * transaction.
 *
 * Why this shape:
 * - The pixel is the hottest path in the system. A hit costs one HMAC and a few map operations;
 *   the database sees one upsert per key per flush, however many hits there were.
 * - Counts are upserted as increments (`views = views + excluded.views`), so several nodes can
 *   flush the same keys at once and no count is lost. Rows are written in key order so two
 *   nodes' transactions lock rows in the same order and never deadlock each other.
 * - A failed flush puts its counts back into memory for the next try. A crash loses at most the
 *   counts since the last flush (one interval); a clean stop (SIGTERM → app.close) flushes.
 * - A reader is a keyed hash (HMAC-SHA256) of address, user agent and pixel, with a random key
 *   per UTC day shared by all nodes through `usage_salts`. Neither the address nor the hash is
 *   ever written anywhere; yesterday's key is deleted, so old hashes cannot be recomputed.
 * - Repeat views by one reader within 30 minutes count once. The memory of who was seen is two
 *   generations of at most 30 minutes each: an entry lives between 30 and 60 minutes, then its
 *   generation is dropped whole (no per-entry timers, no scans). A hard cap per generation keeps
 *   memory bounded under a flood of distinct readers; past it a generation is retired early,
 *   which can count a returning reader twice but never grows memory.
 */
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { newId } from '../util/ids.js';

export const DEDUPE_WINDOW_MS = 30 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Distinct (reader, pixel) pairs remembered per generation; two generations at most. */
export const DEFAULT_MAX_READERS_PER_GENERATION = 250_000;
/** Distinct new pages remembered between two flushes; a flood of made-up referrers stops here. */
const MAX_PENDING_PAGES = 10_000;
/** Rows per insert statement: well under SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 200;

export interface Hit {
  storyId: string;
  partnerId: string;
  /** The reader's address: hashed with the day's key, never stored. */
  ip: string;
  userAgent: string;
  /** Normalised page address (see normaliseReferrer), or undefined when unknown. */
  page: string | undefined;
}

interface PageCount {
  storyId: string;
  partnerId: string;
  url: string;
  views: number;
  /** ms since the epoch: formatted only when flushed, not on every hit. */
  firstSeen: number;
  lastSeen: number;
}

export interface RecorderOptions {
  /** Milliseconds since the epoch; tests inject a clock. */
  now?: () => number;
  dedupeWindowMs?: number;
  maxReadersPerGeneration?: number;
}

export interface FlushResult {
  days: number;
  pages: number;
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export class UsageRecorder {
  private views = new Map<string, number>();
  private pages = new Map<string, PageCount>();

  private current = new Map<number, number>();
  private previous = new Map<number, number>();
  private generationStart: number;

  /** The day's hash key, and when that day ends (ms), so each hit needs no date formatting. */
  // A KeyObject, not a Buffer: createHmac then skips importing the key on every hit.
  private key: KeyObject | undefined;
  private day = '';
  private dayEndsAt = 0;
  private keyLoading: Promise<void> | undefined;

  private flushing: Promise<FlushResult> | undefined;
  private timer: NodeJS.Timeout | undefined;

  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly maxReaders: number;

  constructor(
    private readonly db: Kysely<DB>,
    opts: RecorderOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.windowMs = opts.dedupeWindowMs ?? DEDUPE_WINDOW_MS;
    this.maxReaders = opts.maxReadersPerGeneration ?? DEFAULT_MAX_READERS_PER_GENERATION;
    this.generationStart = this.now();
  }

  /**
   * Counts a hit unless the same reader saw the same pixel within the window. Synchronous once
   * the day's key is loaded (every hit but the first of each day); returns a promise otherwise.
   */
  record(hit: Hit): void | Promise<void> {
    const now = this.now();
    if (this.key === undefined || now >= this.dayEndsAt) {
      return this.loadKey(now).then(() => this.count(hit, this.now()));
    }
    this.count(hit, now);
  }

  /** How many (reader, pixel) pairs are remembered: for tests and the benchmark's memory check. */
  get remembered(): number {
    return this.current.size + this.previous.size;
  }

  /** Hits counted but not yet written. */
  get pendingViews(): number {
    let n = 0;
    for (const v of this.views.values()) n += v;
    return n;
  }

  private count(hit: Hit, now: number): void {
    if (this.key === undefined) return;
    this.rotate(now);
    const digest = createHmac('sha256', this.key).update(`${hit.ip}\n${hit.userAgent}\n${hit.storyId}\n${hit.partnerId}`).digest();
    // 48 bits of the keyed hash: a number key is far smaller in a Map than a string, and a
    // collision (odds ~1 in 10^8 at a million readers) only merges two readers' views.
    const reader = digest.readUIntBE(0, 6);
    const seen = this.current.get(reader) ?? this.previous.get(reader);
    if (seen !== undefined && now - seen < this.windowMs) return;
    this.current.set(reader, now);

    const dayKey = `${hit.storyId}|${hit.partnerId}|${this.day}`;
    this.views.set(dayKey, (this.views.get(dayKey) ?? 0) + 1);

    if (hit.page !== undefined) {
      const pageKey = `${hit.storyId}|${hit.partnerId}|${hit.page}`;
      const entry = this.pages.get(pageKey);
      if (entry) {
        entry.views += 1;
        entry.lastSeen = now;
      } else if (this.pages.size < MAX_PENDING_PAGES) {
        this.pages.set(pageKey, { storyId: hit.storyId, partnerId: hit.partnerId, url: hit.page, views: 1, firstSeen: now, lastSeen: now });
      }
    }
  }

  /** Retires a generation every window (or early, at the cap), so memory holds ≤ 2 windows. */
  private rotate(now: number): void {
    const age = now - this.generationStart;
    if (age >= 2 * this.windowMs) {
      // Nothing in either generation can still be inside the window.
      this.previous = new Map();
      this.current = new Map();
      this.generationStart = now;
    } else if (age >= this.windowMs || this.current.size >= this.maxReaders) {
      this.previous = this.current;
      this.current = new Map();
      this.generationStart = now;
    }
  }

  /**
   * Loads (or creates) the key for the day of `now`. Every node asks the database, so all nodes
   * of one newsroom hash a reader the same way; concurrent callers share one load.
   */
  private loadKey(now: number): Promise<void> {
    this.keyLoading ??= (async () => {
      const day = utcDay(now);
      const fresh = randomBytes(32).toString('base64');
      await this.db.insertInto('usage_salts').values({ day, salt: fresh }).onConflict((oc) => oc.column('day').doNothing()).execute();
      const row = await this.db.selectFrom('usage_salts').select('salt').where('day', '=', day).executeTakeFirstOrThrow();
      // Older keys are no longer needed; deleting them makes old hashes impossible to recompute.
      await this.db.deleteFrom('usage_salts').where('day', '<', day).execute();
      this.key = createSecretKey(Buffer.from(row.salt, 'base64'));
      this.day = day;
      this.dayEndsAt = Date.parse(`${day}T00:00:00.000Z`) + DAY_MS;
    })().finally(() => {
      this.keyLoading = undefined;
    });
    return this.keyLoading;
  }

  /** Loads today's key ahead of the first hit (at startup). */
  async prepare(): Promise<void> {
    if (this.key === undefined || this.now() >= this.dayEndsAt) await this.loadKey(this.now());
  }

  /**
   * Writes everything counted so far in one transaction. Hits that arrive meanwhile go to fresh
   * maps and wait for the next flush; on failure the taken counts are merged back.
   * Flushes never overlap: a call during a flush waits for it, then flushes what came after.
   */
  async flush(): Promise<FlushResult> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.views.size === 0 && this.pages.size === 0) return { days: 0, pages: 0 };
    const views = this.views;
    const pages = this.pages;
    this.views = new Map();
    this.pages = new Map();
    this.flushing = this.write(views, pages).catch((err: unknown) => {
      this.restore(views, pages);
      throw err;
    });
    try {
      return await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  private async write(views: Map<string, number>, pages: Map<string, PageCount>): Promise<FlushResult> {
    let dayRows = [...views.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, n]) => {
        const [storyId, partnerId, day] = key.split('|') as [string, string, string];
        return { story_id: storyId, partner_id: partnerId, day, views: n };
      });
    let pageRows = [...pages.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, p]) => ({ id: newId(), story_id: p.storyId, partner_id: p.partnerId, url: p.url, views: p.views, first_seen: new Date(p.firstSeen).toISOString(), last_seen: new Date(p.lastSeen).toISOString(), check_status: 'unchecked' as const, check_details_json: '{}' }));

    await this.db.transaction().execute(async (trx) => {
      // A story or partner deleted since its pixel was cached would fail the whole batch on its
      // foreign key, and with it every later flush: drop its counts instead.
      const storyIds = [...new Set([...dayRows, ...pageRows].map((r) => r.story_id))];
      const partnerIds = [...new Set([...dayRows, ...pageRows].map((r) => r.partner_id))];
      const liveStories = new Set<string>();
      const livePartners = new Set<string>();
      for (let i = 0; i < storyIds.length; i += CHUNK) {
        for (const r of await trx.selectFrom('stories').select('id').where('id', 'in', storyIds.slice(i, i + CHUNK)).execute()) liveStories.add(r.id);
      }
      for (let i = 0; i < partnerIds.length; i += CHUNK) {
        for (const r of await trx.selectFrom('partners').select('id').where('id', 'in', partnerIds.slice(i, i + CHUNK)).execute()) livePartners.add(r.id);
      }
      const live = (r: { story_id: string; partner_id: string }) => liveStories.has(r.story_id) && livePartners.has(r.partner_id);
      dayRows = dayRows.filter(live);
      pageRows = pageRows.filter(live);
      for (let i = 0; i < dayRows.length; i += CHUNK) {
        await trx
          .insertInto('usage_daily')
          .values(dayRows.slice(i, i + CHUNK))
          .onConflict((oc) => oc.columns(['story_id', 'partner_id', 'day']).doUpdateSet({ views: sql<number>`usage_daily.views + excluded.views` }))
          .execute();
      }
      for (let i = 0; i < pageRows.length; i += CHUNK) {
        await trx
          .insertInto('usage_pages')
          .values(pageRows.slice(i, i + CHUNK))
          .onConflict((oc) =>
            oc.columns(['story_id', 'partner_id', 'url']).doUpdateSet({
              views: sql<number>`usage_pages.views + excluded.views`,
              // ISO timestamps compare correctly as text; CASE works on both engines (no LEAST/min).
              first_seen: sql<string>`case when excluded.first_seen < usage_pages.first_seen then excluded.first_seen else usage_pages.first_seen end`,
              last_seen: sql<string>`case when excluded.last_seen > usage_pages.last_seen then excluded.last_seen else usage_pages.last_seen end`,
            }),
          )
          .execute();
      }
    });
    return { days: dayRows.length, pages: pageRows.length };
  }

  private restore(views: Map<string, number>, pages: Map<string, PageCount>): void {
    for (const [k, n] of views) this.views.set(k, (this.views.get(k) ?? 0) + n);
    for (const [k, p] of pages) {
      const cur = this.pages.get(k);
      if (!cur) {
        this.pages.set(k, p);
        continue;
      }
      cur.views += p.views;
      if (p.firstSeen < cur.firstSeen) cur.firstSeen = p.firstSeen;
      if (p.lastSeen > cur.lastSeen) cur.lastSeen = p.lastSeen;
    }
  }

  /**
   * Flushes every `intervalMs` until stop(). Errors go to `onError` (the app logs them); the
   * counts stay in memory. The timer also retires old reader generations on a quiet node.
   */
  start(intervalMs: number, onError: (err: unknown) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.rotate(this.now());
      this.flush().catch(onError);
    }, intervalMs);
    // A pending flush must not keep a process (a test, a CLI command) alive on its own.
    this.timer.unref();
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
