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
  total: number;
}

export const MAX_QUERY_LENGTH = 200;

/** Turns arbitrary user text into a safe FTS5 MATCH expression, or undefined if nothing is left. */
export function toFts5Query(input: string): string | undefined {
  const terms = (input.slice(0, MAX_QUERY_LENGTH).normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 12);
  if (terms.length === 0) return undefined;
  // Each term quoted (so FTS5 operators like NEAR, AND, ^ or column filters are plain words);
  // the last one as a prefix so "wildf" finds "wildfire".
  return terms.map((t, i) => (i === terms.length - 1 && t.length >= 3 ? `"${t}"*` : `"${t}"`)).join(' ');
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

export function createSearchIndex(db: Kysely<DB>, dialect: DialectName): SearchIndex {
  return dialect === 'sqlite' ? sqliteIndex(db) : postgresIndex(db);
}

function sqliteIndex(db: Kysely<DB>): SearchIndex {
  return {
    async upsert(trx, doc) {
      // FTS5 tables have no unique constraint: delete then insert.
      await sql`delete from story_search where story_id = ${doc.storyId}`.execute(trx);
      await sql`insert into story_search (story_id, headline, summary, body, tags)
                values (${doc.storyId}, ${doc.headline}, ${doc.summary}, ${doc.body}, ${doc.tags.join(' ')})`.execute(trx);
    },
    async remove(trx, storyId) {
      await sql`delete from story_search where story_id = ${storyId}`.execute(trx);
    },
    async search(q, limit, offset) {
      const match = toFts5Query(q);
      if (!match) return { storyIds: [], total: 0 };
      const total = await sql<{ n: number }>`select count(*) as n from story_search where story_search match ${match}`.execute(db);
      const rows = await sql<{ story_id: string }>`
        select story_id from story_search where story_search match ${match}
        order by bm25(story_search, 0, 10.0, 4.0, 1.0, 4.0), story_id
        limit ${limit} offset ${offset}`.execute(db);
      return { storyIds: rows.rows.map((r) => r.story_id), total: Number(total.rows[0]?.n ?? 0) };
    },
  };
}

function postgresIndex(db: Kysely<DB>): SearchIndex {
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
      if (text === '') return { storyIds: [], total: 0 };
      // Plain words get prefix matching on the last one (as on SQLite), built only from letters
      // and digits so to_tsquery cannot fail; anything with search syntax (quotes, OR, -word)
      // goes to websearch_to_tsquery, which never raises on user text.
      const prefix = toPrefixTsQuery(text);
      const query = prefix ? sql`to_tsquery('english', ${prefix})` : sql`websearch_to_tsquery('english', ${text})`;
      const total = await sql<{ n: number }>`
        select count(*)::int as n from story_search where document @@ ${query}`.execute(db);
      const rows = await sql<{ story_id: string }>`
        select story_id from story_search, ${query} query
        where document @@ query
        order by ts_rank(document, query) desc, story_id
        limit ${limit} offset ${offset}`.execute(db);
      return { storyIds: rows.rows.map((r) => r.story_id), total: Number(total.rows[0]?.n ?? 0) };
    },
  };
}
