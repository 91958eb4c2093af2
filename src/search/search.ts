/**
 * Full-text search over live stories. One interface, two engines:
 * SQLite FTS5 (bm25 ranking) and PostgreSQL tsvector (websearch_to_tsquery, ts_rank).
 * User text never reaches either engine's query syntax unescaped: for FTS5 we keep only word
 * characters and quote each term; PostgreSQL's websearch_to_tsquery never raises on input.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { DialectName } from '../db/dialect.js';

export interface SearchDocument {
  storyId: string;
  headline: string;
  summary: string;
  body: string;
  tags: string[];
}

export interface SearchHits {
  storyIds: string[];
  /** Stories matching, exact up to `limits.countCap`; with `more`, at least this many. */
  total: number;
  /** More than `total` stories match: only the newest `total` can be paged through. */
  more: boolean;
  /** Ordered by relevance (bm25 / ts_rank); otherwise newest first. */
  ranked: boolean;
}

/**
 * What one search may cost, whatever the archive's size. Counting or ranking every match of a
 * word that most stories contain takes hundreds of milliseconds at 100,000 stories (FTS5's bm25
 * reads the whole posting list of each word to weigh it; ts_rank reads every matching document),
 * so:
 * - matches are counted up to `countCap` ("more than 1,000 stories");
 * - a search ranks by relevance only when it matches at most `rankCap` stories and, on SQLite,
 *   each of its words is in at most `termCap` stories (then ranking reads little). A broad search (words
 *   most stories contain) is shown newest first, where relevance would barely separate the
 *   stories anyway; the search page says which order it uses.
 * - Pages reach the first `countCap` results only.
 */
export interface SearchLimits {
  countCap: number;
  rankCap: number;
  termCap: number;
}

export const SEARCH_LIMITS: SearchLimits = { countCap: 1000, rankCap: 500, termCap: 5000 };

export const MAX_QUERY_LENGTH = 200;

/** At most this many words of a query are searched. */
const MAX_TERMS = 12;

/** The words of a query as FTS5 sees them: letters and digits only, at most MAX_TERMS. */
export function queryTerms(input: string): string[] {
  return (input.slice(0, MAX_QUERY_LENGTH).normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_TERMS);
}

/**
 * Turns arbitrary user text into a safe FTS5 MATCH expression, or undefined if nothing is left.
 * With `prefixLast`, the last term (of 3 characters or more) also matches as a prefix.
 */
export function toFts5Query(input: string, prefixLast = true): string | undefined {
  const terms = queryTerms(input);
  if (terms.length === 0) return undefined;
  // Each term quoted (so FTS5 operators like NEAR, AND, ^ or column filters are plain words).
  return terms.map((t, i) => (prefixLast && i === terms.length - 1 && t.length >= 3 ? `"${t}"*` : `"${t}"`)).join(' ');
}

/** For queries of plain words only: `word & word & last:*`; undefined when search syntax is used. */
export function toPrefixTsQuery(input: string): string | undefined {
  if (!/^[\p{L}\p{N}\s]+$/u.test(input)) return undefined;
  const terms = (input.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 12);
  if (terms.length === 0) return undefined;
  return terms.map((t, i) => (i === terms.length - 1 && t.length >= 3 ? `${t}:*` : t)).join(' & ');
}

export interface SearchIndex {
  upsert(trx: Kysely<DB>, doc: SearchDocument): Promise<void>;
  remove(trx: Kysely<DB>, storyId: string): Promise<void>;
  search(q: string, limit: number, offset: number): Promise<SearchHits>;
}

const NO_HITS: SearchHits = { storyIds: [], total: 0, more: false, ranked: false };

export function createSearchIndex(db: Kysely<DB>, dialect: DialectName, limits: SearchLimits = SEARCH_LIMITS): SearchIndex {
  return dialect === 'sqlite' ? sqliteIndex(db, limits) : postgresIndex(db, limits);
}

/** The part of [offset, offset + limit) that lies within the first `total` results. */
function window(total: number, limit: number, offset: number): { limit: number; offset: number } {
  return { offset, limit: Math.max(0, Math.min(limit, total - offset)) };
}

/**
 * On SQLite, a story's search row has a rowid made from its publication time, so the posting
 * lists FTS5 reads in rowid order are in publication order: a broad search reads its newest
 * matches first and stops, and "newest" means newest publication, as on PostgreSQL. The time in
 * milliseconds is multiplied by SEARCH_ROWID_SLOTS, leaving room for stories published in the same
 * millisecond (given the next free slot; by id in migration 2026_12_04_1640).
 */
export const SEARCH_ROWID_SLOTS = 1024;

/** The first rowid of the slots for stories published at `publishedAt` (an ISO time). */
export function searchRowidBase(publishedAt: string): number {
  const ms = Date.parse(publishedAt);
  return (Number.isFinite(ms) ? ms : Date.now()) * SEARCH_ROWID_SLOTS;
}

/**
 * Deletes a story's search row, which sits among the slots of its publication time (a story's
 * publication time is set once, when it is first published, before it is first indexed). Looked
 * for there, by rowid: `story_id` is not indexed in an FTS5 table, and finding a row by it reads
 * the whole index's content (about a second at 100,000 stories, inside the publishing
 * transaction).
 */
async function deleteRow(trx: Kysely<DB>, storyId: string, base: number): Promise<void> {
  await sql`delete from story_search where ${inSlots(base)} and story_id = ${storyId}`.execute(trx);
}

/** `rowid` among the slots of `base`'s millisecond. */
function inSlots(base: number) {
  return sql`rowid between cast(${base} as integer) and cast(${base + SEARCH_ROWID_SLOTS - 1} as integer)`;
}

/**
 * The next free rowid among the slots of `base`'s millisecond (see SEARCH_ROWID_SLOTS). The bulk
 * loader (src/demo/bulk.ts) asks once per millisecond and counts on from there within a chunk.
 */
export async function freeSearchRowid(trx: Kysely<DB>, base: number): Promise<number> {
  const taken = await sql<{ top: number | null }>`select max(rowid) as top from story_search where ${inSlots(base)}`.execute(trx);
  const top = taken.rows[0]?.top;
  const rowid = top === null || top === undefined ? base : Number(top) + 1;
  if (rowid >= base + SEARCH_ROWID_SLOTS) throw new Error(`More than ${SEARCH_ROWID_SLOTS} stories published in the same millisecond.`);
  return rowid;
}

/**
 * For a story whose publication time was changed after it was indexed (the demo dates its
 * stories back): on SQLite its search row moves to the slots of the new time, where searches
 * order it and where publishing and withdrawing look for it. Nothing to do on PostgreSQL.
 */
export async function moveSearchRow(trx: Kysely<DB>, dialect: 'sqlite' | 'postgres', storyId: string, fromPublishedAt: string, toPublishedAt: string): Promise<void> {
  if (dialect !== 'sqlite') return;
  const from = searchRowidBase(fromPublishedAt);
  const row = await sql<{ rowid: number }>`select rowid from story_search where ${inSlots(from)} and story_id = ${storyId}`.execute(trx);
  const old = row.rows[0]?.rowid;
  if (old === undefined) return;
  const rowid = await freeSearchRowid(trx, searchRowidBase(toPublishedAt));
  await sql`update story_search set rowid = cast(${rowid} as integer) where rowid = cast(${Number(old)} as integer)`.execute(trx);
}

function sqliteIndex(db: Kysely<DB>, limits: SearchLimits): SearchIndex {
  /** Whether `match` finds at most `n` stories, reading at most n + 1 entries of the index. */
  async function atMost(match: string, n: number): Promise<boolean> {
    const r = await sql<{ n: number }>`select count(*) as n from (select 1 from story_search where story_search match ${match} limit ${n + 1})`.execute(db);
    return Number(r.rows[0]?.n ?? 0) <= n;
  }

  return {
    async upsert(trx, doc) {
      // FTS5 tables have no unique constraint: delete then insert, at the rowid of the story's
      // publication time (see SEARCH_ROWID_SLOTS), which an update or correction keeps.
      const story = await sql<{ published_at: string | null }>`select published_at from stories where id = ${doc.storyId}`.execute(trx);
      const base = searchRowidBase(story.rows[0]?.published_at ?? new Date().toISOString());
      await deleteRow(trx, doc.storyId, base);
      const rowid = await freeSearchRowid(trx, base);
      await sql`insert into story_search (rowid, story_id, headline, summary, body, tags)
                values (cast(${rowid} as integer), ${doc.storyId}, ${doc.headline}, ${doc.summary}, ${doc.body}, ${doc.tags.join(' ')})`.execute(trx);
    },
    async remove(trx, storyId) {
      const story = await sql<{ published_at: string | null }>`select published_at from stories where id = ${storyId}`.execute(trx);
      const publishedAt = story.rows[0]?.published_at;
      // Never published, never indexed.
      if (publishedAt) await deleteRow(trx, storyId, searchRowidBase(publishedAt));
    },
    async search(q, limit, offset) {
      const exact = toFts5Query(q, false);
      if (!exact) return NO_HITS;
      const terms = queryTerms(q);
      const last = terms[terms.length - 1]!;
      // The last word also matches as a prefix ("wildf" finds "wildfire") when it is not itself a
      // word of some story: a prefix makes FTS5 merge the posting lists of every word it starts,
      // which for a common word ("cost": costs, costly, …) costs tens of milliseconds.
      const prefixed = last.length >= 3 && !(await sqlExists(db, `"${last}"`)) ? toFts5Query(q, true)! : exact;
      // The newest countCap + 1 matches, read from the posting lists in rowid (publication) order,
      // without ranking: enough to tell an exact count from "more than countCap", and the order a
      // broad search shows.
      const newest = await sql<{ rowid: number }>`
        select rowid from story_search where story_search match ${prefixed} order by rowid desc limit ${limits.countCap + 1}`.execute(db);
      const more = newest.rows.length > limits.countCap;
      const total = Math.min(newest.rows.length, limits.countCap);
      const page = window(total, limit, offset);
      if (total === 0) return NO_HITS;
      const ranked = !more && total <= limits.rankCap && (await everyTerm(terms, prefixed !== exact, (t) => atMost(t, limits.termCap)));
      if (page.limit === 0) return { storyIds: [], total, more, ranked };
      if (ranked) {
        const rows = await sql<{ story_id: string }>`
          select story_id from story_search where story_search match ${prefixed}
          order by bm25(story_search, 0, 10.0, 4.0, 1.0, 4.0), story_id
          limit ${page.limit} offset ${page.offset}`.execute(db);
        return { storyIds: rows.rows.map((r) => r.story_id), total, more, ranked };
      }
      const rowids = newest.rows.slice(page.offset, page.offset + page.limit).map((r) => r.rowid);
      const rows = await sql<{ rowid: number; story_id: string }>`
        select rowid, story_id from story_search where rowid in (${sql.join(rowids)})`.execute(db);
      const byRowid = new Map(rows.rows.map((r) => [r.rowid, r.story_id]));
      return { storyIds: rowids.flatMap((r) => byRowid.get(r) ?? []), total, more, ranked };
    },
  };
}

async function sqlExists(db: Kysely<DB>, match: string): Promise<boolean> {
  const r = await sql`select 1 from story_search where story_search match ${match} limit 1`.execute(db);
  return r.rows.length > 0;
}

/** Whether `test` holds for every distinct term (the last one as a prefix when `prefixLast`). */
async function everyTerm(terms: string[], prefixLast: boolean, test: (match: string) => Promise<boolean>): Promise<boolean> {
  const matches = new Set(terms.map((t, i) => (prefixLast && i === terms.length - 1 ? `"${t}"*` : `"${t}"`)));
  for (const m of matches) if (!(await test(m))) return false;
  return true;
}

function postgresIndex(db: Kysely<DB>, limits: SearchLimits): SearchIndex {
  return {
    async upsert(trx, doc) {
      await sql`insert into story_search (story_id, headline, summary, body, tags)
                values (${doc.storyId}, ${doc.headline}, ${doc.summary}, ${doc.body}, ${doc.tags.join(' ')})
                on conflict (story_id) do update set headline = excluded.headline, summary = excluded.summary,
                  body = excluded.body, tags = excluded.tags`.execute(trx);
    },
    async remove(trx, storyId) {
      await sql`delete from story_search where story_id = ${storyId}`.execute(trx);
    },
    async search(q, limit, offset) {
      // Strip NULs (PostgreSQL rejects them in text) and cap the length; everything else is
      // safe for websearch_to_tsquery.
      // Runs of minus signs are collapsed: websearch_to_tsquery turns each into a NOT, and some
      // thirty in a row overflow its stack ("tsquery stack too small"), a 500 for a reader.
      const text = q.replace(/\u0000/g, '').slice(0, MAX_QUERY_LENGTH).replace(/-[\s-]*-/g, '-').trim();
      if (text === '') return NO_HITS;
      // Plain words get prefix matching on the last one (as on SQLite), built only from letters
      // and digits so to_tsquery cannot fail; anything with search syntax (quotes, OR, -word)
      // goes to websearch_to_tsquery, which never raises on user text.
      const prefix = toPrefixTsQuery(text);
      const query = prefix ? sql`to_tsquery('english', ${prefix})` : sql`websearch_to_tsquery('english', ${text})`;
      // Reading a match costs decompressing its whole tsvector, and the GIN bitmap of a word most
      // stories contain holds ~100,000 entries: counting such a search costs tens of
      // milliseconds whichever way. The planner's estimate (from the column's word statistics)
      // tells a selective search, counted exactly and ranked when small, from a broad one, read
      // newest first through the publication index and stopped after the page.
      const plan = await sql<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>`
        explain (format json) select 1 from story_search where document @@ ${query}`.execute(db);
      const estimate = Number(plan.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? Infinity);
      if (estimate > limits.countCap) {
        if (offset >= limits.countCap) return { storyIds: [], total: limits.countCap, more: true, ranked: false };
        // This page, cut at countCap, and one more row to tell whether anything follows it.
        const take = Math.min(limit, limits.countCap - offset);
        const rows = await sql<{ story_id: string }>`
          select ss.story_id from story_search ss join stories s on s.id = ss.story_id
          where s.status = 'published' and ss.document @@ ${query}
          order by s.published_at desc, s.id desc
          limit ${take + 1} offset ${offset}`.execute(db);
        const ids = rows.rows.map((r) => r.story_id);
        const more = ids.length > take;
        if (more) ids.pop();
        // Only a lower bound is known: the results up to this page, and one more when the next
        // page has some (so the pager offers it), up to countCap like SQLite.
        return { storyIds: ids, total: Math.min(offset + ids.length + (more ? 1 : 0), limits.countCap), more, ranked: false };
      }
      const counted = await sql<{ n: number }>`
        select count(*)::int as n from (select 1 from story_search where document @@ ${query} limit ${limits.countCap + 1}) m`.execute(db);
      const n = Number(counted.rows[0]?.n ?? 0);
      const more = n > limits.countCap;
      const total = Math.min(n, limits.countCap);
      if (total === 0) return NO_HITS;
      const page = window(total, limit, offset);
      // ts_rank reads only the matching documents (no corpus statistics), so the number of
      // matches alone bounds its cost.
      const ranked = !more && total <= limits.rankCap;
      if (page.limit === 0) return { storyIds: [], total, more, ranked };
      const rows = ranked
        ? await sql<{ story_id: string }>`
            select story_id from story_search, ${query} query
            where document @@ query
            order by ts_rank(document, query) desc, story_id
            limit ${page.limit} offset ${page.offset}`.execute(db)
        : await sql<{ story_id: string }>`
            select ss.story_id from story_search ss join stories s on s.id = ss.story_id
            where s.status = 'published' and ss.document @@ ${query}
            order by s.published_at desc, s.id desc
            limit ${page.limit} offset ${page.offset}`.execute(db);
      return { storyIds: rows.rows.map((r) => r.story_id), total, more, ranked };
    },
  };
}
