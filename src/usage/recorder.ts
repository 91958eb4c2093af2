/**
 * The pixel's counter: views per story × partner × day and the pages where stories ran, counted
 * in memory and written to the database every `flushIntervalMs` (one second by default) in one
 * transaction.
 *
 * Why this shape:
 * - The pixel is the hottest path in the system. A hit costs one SHA-256 and a few map operations;
 *   the database sees one upsert per key per flush, however many hits there were.
 * - Counts are upserted as increments (`views = views + excluded.views`), so several nodes can
 *   flush the same keys at once and no count is lost. Rows are written in key order so two
 *   nodes' transactions lock rows in the same order and never deadlock each other.
 * - A failed flush puts its counts back into memory for the next try. A crash loses at most the
 *   counts since the last flush (one interval); a clean stop (SIGTERM → app.close) flushes.
 * - A reader is a keyed hash (SHA-256 of a secret key and the fields) of address, user agent and pixel, with a random key
 *   per UTC day shared by all nodes through `usage_salts`. Neither the address nor the hash is
 *   ever written anywhere; yesterday's key is deleted, so old hashes cannot be recomputed.
 * - A page is recorded only when its host is one of the partner's domains (its website's and the
 *   extra ones it lists, see src/partners/domains.ts) or a subdomain; other hits still count as
 *   views but name no page, so a forged Referer cannot plant a page for the attribution checker
 *   to fetch. The flush checks against the partner row read in its own transaction (the rule);
 *   each hit checks against the domains the last flush read, so a flood of foreign referrers is
 *   dropped before it takes memory.
 * - At most MAX_NEW_PAGES_PER_DAY new pages per story × partner × UTC day, counted in the
 *   database inside the flush transaction, after that day's usage_daily row was upserted: on
 *   PostgreSQL the upsert holds that row's lock until commit, so two nodes adding pages to the
 *   same story × partner × day take turns and the second counts the first's pages. Views of pages
 *   already recorded are always added.
 * - Repeat views by one reader within 30 minutes count once. The memory of who was seen is two
 *   generations of at most 30 minutes each: an entry lives between 30 and 60 minutes, then its
 *   generation is dropped whole (no per-entry timers, no scans). Each generation is a table of
 *   fixed size for a hard cap of readers (reader-set.ts: flat arrays, no garbage per hit); past
 *   the cap a generation is retired early, which can count a returning reader twice but never
 *   grows memory.
 */
import { hash, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { newId } from '../util/ids.js';
import { hostMatches, partnerDomains } from '../partners/domains.js';
import { ReaderSet } from './reader-set.js';

export const DEDUPE_WINDOW_MS = 30 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Distinct (reader, pixel) pairs remembered per generation; two generations at most. */
export const DEFAULT_MAX_READERS_PER_GENERATION = 250_000;
/** Distinct new pages remembered between two flushes; a flood of made-up referrers stops here. */
const MAX_PENDING_PAGES = 10_000;
/**
 * New pages recorded per story × partner × UTC day. A partner runs a story on a few pages (the
 * article, an AMP or app copy, a print view); fifty leaves room for many editions while a
 * flood of made-up URLs on the partner's own domain stops here.
 */
export const MAX_NEW_PAGES_PER_DAY = 50;
/**
 * Distinct pages one story × partner may hold in memory between two flushes, so a flood for one
 * pair cannot take the whole pending map from the others. A pair with more pages than this
 * viewed within one flush interval loses those extra pages' views (its daily views still count).
 */
const MAX_PENDING_PAGES_PER_PAIR = 4 * MAX_NEW_PAGES_PER_DAY;
/** Partners whose domains are remembered for the per-hit check; cleared when full. */
const MAX_KNOWN_PARTNERS = 10_000;
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
  url: string;
  views: number;
  /** ms since the epoch: formatted only when flushed, not on every hit. */
  firstSeen: number;
  lastSeen: number;
}

/**
 * What one story × partner collected since the last flush. Hits find it through two maps keyed
 * by the story's and the partner's ids, strings the pixel's token cache hands out every time, so
 * V8 reuses their hashes; a page is keyed by the address the referrer cache hands out. Nothing is
 * concatenated or hashed anew per hit.
 */
interface PairCounts {
  readonly storyId: string;
  readonly partnerId: string;
  /** The UTC day `views` were counted on. */
  day: string;
  views: number;
  /** Views of earlier days not written yet (a day ended between two flushes). */
  earlier: Map<string, number> | undefined;
  /** Pages where the story ran, by normalised address. */
  readonly pages: Map<string, PageCount>;
}

type Pending = Map<string, Map<string, PairCounts>>;

function pairCounts(storyId: string, partnerId: string, day: string): PairCounts {
  return { storyId, partnerId, day, views: 0, earlier: undefined, pages: new Map() };
}

/** Adds `n` views of `day` to a pair's counts, whichever day they are on. */
function addViews(pc: PairCounts, day: string, n: number): void {
  if (n === 0) return;
  if (pc.day === day) pc.views += n;
  else {
    pc.earlier ??= new Map();
    pc.earlier.set(day, (pc.earlier.get(day) ?? 0) + n);
  }
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

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A normalised page address's host (lower case, punycode), as domains are stored. */
function pageHost(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

type PageRow = { id: string; story_id: string; partner_id: string; url: string; views: number; first_seen: string; last_seen: string; check_status: 'unchecked'; check_details_json: string };

/**
 * Keeps every page already recorded and, per story × partner × day, only as many new pages as
 * that day still allows (MAX_NEW_PAGES_PER_DAY minus those first seen that day). Runs inside the
 * flush transaction after the day rows were upserted, so on PostgreSQL the count cannot race
 * another node's flush of the same day.
 */
async function capNewPages(trx: Transaction<DB>, rows: PageRow[]): Promise<PageRow[]> {
  if (rows.length === 0) return rows;
  const known = new Set<string>();
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const found = await trx
      .selectFrom('usage_pages')
      .select(['story_id', 'partner_id', 'url'])
      .where('story_id', 'in', [...new Set(chunk.map((r) => r.story_id))])
      .where('url', 'in', [...new Set(chunk.map((r) => r.url))])
      .execute();
    for (const f of found) known.add(`${f.story_id}|${f.partner_id}|${f.url}`);
  }
  const fresh = rows.filter((r) => !known.has(`${r.story_id}|${r.partner_id}|${r.url}`));
  if (fresh.length === 0) return rows;

  // How many pages each story × partner already has for each day that new pages fall on.
  const groups = new Map<string, { storyId: string; partnerId: string; day: string; rows: PageRow[] }>();
  for (const r of fresh) {
    const day = r.first_seen.slice(0, 10);
    const key = `${r.story_id}|${r.partner_id}|${day}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { storyId: r.story_id, partnerId: r.partner_id, day, rows: [] }));
    g.rows.push(r);
  }
  const allowed = new Set<PageRow>();
  for (const g of groups.values()) {
    const next = new Date(Date.parse(`${g.day}T00:00:00.000Z`) + DAY_MS).toISOString();
    const existing = await trx
      .selectFrom('usage_pages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('story_id', '=', g.storyId)
      .where('partner_id', '=', g.partnerId)
      .where('first_seen', '>=', `${g.day}T00:00:00.000Z`)
      .where('first_seen', '<', next)
      .executeTakeFirstOrThrow();
    const room = Math.max(0, MAX_NEW_PAGES_PER_DAY - Number(existing.n));
    // The most viewed first, then by address, so which pages win does not depend on map order.
    g.rows.sort((a, b) => b.views - a.views || compareKeys(a.url, b.url));
    for (const r of g.rows.slice(0, room)) allowed.add(r);
  }
  return rows.filter((r) => known.has(`${r.story_id}|${r.partner_id}|${r.url}`) || allowed.has(r));
}

export class UsageRecorder {
  /** Counts since the last flush: story id → partner id → counts. */
  private pending: Pending = new Map();
  /** Pages held in `pending`, all pairs together. */
  private pendingPageCount = 0;
  /** Each partner's domains as the last flush read them: the per-hit pre-check. */
  private readonly domains = new Map<string, string[]>();

  private current: ReaderSet;
  private previous: ReaderSet;
  private generationStart: number;

  /** The day's hash key (hex), and when that day ends (ms), so each hit needs no date formatting. */
  private key: string | undefined;
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
    this.current = new ReaderSet(this.maxReaders);
    this.previous = new ReaderSet(this.maxReaders);
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
    for (const byPartner of this.pending.values()) {
      for (const pc of byPartner.values()) {
        n += pc.views;
        if (pc.earlier) for (const v of pc.earlier.values()) n += v;
      }
    }
    return n;
  }

  /** Pages counted but not yet written. */
  get pendingPages(): number {
    return this.pendingPageCount;
  }

  /** When the oldest hit not yet written was counted (ms); undefined when nothing waits. The metrics' flush lag. */
  pendingSince: number | undefined;

  private count(hit: Hit, now: number): void {
    if (this.key === undefined) return;
    this.rotate(now);
    // SHA-256 over the day's 256-bit random key followed by the reader's fields, in one call:
    // a third of an HMAC's cost (no hash objects), and as a keyed hash here just as good. The
    // value never leaves this process's memory, so length extension (the reason HMAC exists)
    // gives nobody anything, and without the key nobody can recompute who a reader was.
    // 48 bits of it: a number key is far smaller in a Map than a string, and a collision (odds
    // ~1 in 10^8 at a million readers) only merges two readers' views.
    const reader = Number.parseInt(hash('sha256', `${this.key}\n${hit.ip}\n${hit.userAgent}\n${hit.storyId}\n${hit.partnerId}`).slice(0, 12), 16);
    const seen = this.current.get(reader) ?? this.previous.get(reader);
    if (seen !== undefined && now - seen < this.windowMs) return;
    this.current.set(reader, now);

    this.pendingSince ??= now;
    const pc = this.countsFor(this.pending, hit.storyId, hit.partnerId, this.day);
    if (pc.day !== this.day) {
      // The first hit of a new UTC day since the last flush: yesterday's views wait apart.
      const [day, views] = [pc.day, pc.views];
      pc.day = this.day;
      pc.views = 0;
      addViews(pc, day, views);
    }
    pc.views += 1;

    if (hit.page !== undefined) {
      const entry = pc.pages.get(hit.page);
      if (entry) {
        entry.views += 1;
        entry.lastSeen = now;
      } else if (this.pendingPageCount < MAX_PENDING_PAGES && pc.pages.size < MAX_PENDING_PAGES_PER_PAIR && this.mayBeTheirs(hit.partnerId, hit.page)) {
        pc.pages.set(hit.page, { url: hit.page, views: 1, firstSeen: now, lastSeen: now });
        this.pendingPageCount += 1;
      }
    }
  }

  /** A story × partner's counts in `pending`, created (on `day`) when missing. */
  private countsFor(pending: Pending, storyId: string, partnerId: string, day: string): PairCounts {
    let byPartner = pending.get(storyId);
    if (byPartner === undefined) pending.set(storyId, (byPartner = new Map()));
    let pc = byPartner.get(partnerId);
    if (pc === undefined) byPartner.set(partnerId, (pc = pairCounts(storyId, partnerId, day)));
    return pc;
  }

  /**
   * The per-hit pre-check: false when the page's host is not one of the partner's domains as the
   * last flush read them. A partner not yet read passes; the flush decides.
   */
  private mayBeTheirs(partnerId: string, page: string): boolean {
    const domains = this.domains.get(partnerId);
    if (domains === undefined) return true;
    const host = pageHost(page);
    return host !== undefined && hostMatches(host, domains);
  }

  /** Retires a generation every window (or early, at the cap), so memory holds ≤ 2 windows. */
  private rotate(now: number): void {
    const age = now - this.generationStart;
    if (age >= 2 * this.windowMs) {
      // Nothing in either generation can still be inside the window.
      this.previous.clear();
      this.current.clear();
      this.generationStart = now;
    } else if (age >= this.windowMs || this.current.size >= this.maxReaders) {
      // The retired generation's memory serves the new one.
      const recycled = this.previous;
      recycled.clear();
      this.previous = this.current;
      this.current = recycled;
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
      this.key = Buffer.from(row.salt, 'base64').toString('hex');
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
    if (this.pending.size === 0) return { days: 0, pages: 0 };
    const pending = this.pending;
    const since = this.pendingSince;
    this.pending = new Map();
    this.pendingPageCount = 0;
    this.pendingSince = undefined;
    this.flushing = this.write(pending).catch((err: unknown) => {
      this.restore(pending);
      const oldest = Math.min(since ?? Infinity, this.pendingSince ?? Infinity);
      this.pendingSince = Number.isFinite(oldest) ? oldest : undefined;
      throw err;
    });
    try {
      return await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  private async write(pending: Pending): Promise<FlushResult> {
    let dayRows: Array<{ story_id: string; partner_id: string; day: string; views: number }> = [];
    let pageRows: PageRow[] = [];
    for (const byPartner of pending.values()) {
      for (const pc of byPartner.values()) {
        // One row per day: a clock set back could have put `day` among the earlier days too.
        const days = new Map(pc.earlier ?? []);
        days.set(pc.day, (days.get(pc.day) ?? 0) + pc.views);
        for (const [day, views] of days) if (views > 0) dayRows.push({ story_id: pc.storyId, partner_id: pc.partnerId, day, views });
        for (const p of pc.pages.values()) {
          pageRows.push({ id: newId(), story_id: pc.storyId, partner_id: pc.partnerId, url: p.url, views: p.views, first_seen: new Date(p.firstSeen).toISOString(), last_seen: new Date(p.lastSeen).toISOString(), check_status: 'unchecked', check_details_json: '{}' });
        }
      }
    }
    // Key order, so two nodes flushing the same pages lock rows in the same order (the day rows
    // are sorted in the transaction, once the pages' days are among them).
    pageRows.sort((a, b) => compareKeys(a.story_id, b.story_id) || compareKeys(a.partner_id, b.partner_id) || compareKeys(a.url, b.url));

    await this.db.transaction().execute(async (trx) => {
      // A story or partner deleted since its pixel was cached would fail the whole batch on its
      // foreign key, and with it every later flush: drop its counts instead.
      const storyIds = [...new Set([...dayRows, ...pageRows].map((r) => r.story_id))];
      const partnerIds = [...new Set([...dayRows, ...pageRows].map((r) => r.partner_id))];
      const liveStories = new Set<string>();
      const partnerDomainsById = new Map<string, string[]>();
      for (let i = 0; i < storyIds.length; i += CHUNK) {
        for (const r of await trx.selectFrom('stories').select('id').where('id', 'in', storyIds.slice(i, i + CHUNK)).execute()) liveStories.add(r.id);
      }
      for (let i = 0; i < partnerIds.length; i += CHUNK) {
        const rows = await trx.selectFrom('partners').select(['id', 'domain', 'extra_domains_json']).where('id', 'in', partnerIds.slice(i, i + CHUNK)).execute();
        for (const r of rows) partnerDomainsById.set(r.id, partnerDomains(r.domain, r.extra_domains_json));
      }
      const live = (r: { story_id: string; partner_id: string }) => liveStories.has(r.story_id) && partnerDomainsById.has(r.partner_id);
      dayRows = dayRows.filter(live);
      pageRows = pageRows.filter((r) => {
        if (!live(r)) return false;
        const host = pageHost(r.url);
        return host !== undefined && hostMatches(host, partnerDomainsById.get(r.partner_id)!);
      });
      this.rememberDomains(partnerDomainsById);
      // Every page's story × partner × day has its usage_daily row upserted below, before the
      // pages are counted: that upsert is the lock that serialises nodes (see the file comment).
      const dayKeys = new Set(dayRows.map((r) => `${r.story_id}|${r.partner_id}|${r.day}`));
      for (const r of pageRows) {
        const key = `${r.story_id}|${r.partner_id}|${r.first_seen.slice(0, 10)}`;
        if (!dayKeys.has(key)) {
          dayKeys.add(key);
          dayRows.push({ story_id: r.story_id, partner_id: r.partner_id, day: r.first_seen.slice(0, 10), views: 0 });
        }
      }
      dayRows.sort((a, b) => compareKeys(a.story_id, b.story_id) || compareKeys(a.partner_id, b.partner_id) || compareKeys(a.day, b.day));
      for (let i = 0; i < dayRows.length; i += CHUNK) {
        await trx
          .insertInto('usage_daily')
          .values(dayRows.slice(i, i + CHUNK))
          .onConflict((oc) => oc.columns(['story_id', 'partner_id', 'day']).doUpdateSet({ views: sql<number>`usage_daily.views + excluded.views` }))
          .execute();
      }
      pageRows = await capNewPages(trx, pageRows);
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

  private rememberDomains(byPartner: Map<string, string[]>): void {
    if (this.domains.size + byPartner.size > MAX_KNOWN_PARTNERS) this.domains.clear();
    for (const [id, domains] of byPartner) this.domains.set(id, domains);
  }

  /** Puts a failed flush's counts back, merged with those counted since. */
  private restore(pending: Pending): void {
    for (const byPartner of pending.values()) {
      for (const pc of byPartner.values()) {
        const into = this.countsFor(this.pending, pc.storyId, pc.partnerId, pc.day);
        addViews(into, pc.day, pc.views);
        if (pc.earlier) for (const [day, n] of pc.earlier) addViews(into, day, n);
        for (const [url, p] of pc.pages) {
          const cur = into.pages.get(url);
          if (!cur) {
            into.pages.set(url, p);
            this.pendingPageCount += 1;
            continue;
          }
          cur.views += p.views;
          if (p.firstSeen < cur.firstSeen) cur.firstSeen = p.firstSeen;
          if (p.lastSeen > cur.lastSeen) cur.lastSeen = p.lastSeen;
        }
      }
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
