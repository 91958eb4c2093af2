/**
 * The newsroom's headline search on PostgreSQL: a trigram index on lower(headline).
 *
 * The stories list filters with `lower(headline) like '%words%'` (src/stories/stories.service.ts).
 * Without an index for that, a word few headlines hold makes PostgreSQL read the whole list index
 * and lower-case 100,000 headlines to count them: 165 ms at 100,000 stories. pg_trgm's GIN index
 * answers a LIKE with a leading wildcard from the trigrams of its pattern (three characters or
 * more), and the planner still walks the update-time index when the word is common.
 *
 * pg_trgm ships with PostgreSQL (contrib) and is a trusted extension since PostgreSQL 13, so the
 * database owner may create it. Where it is missing or not allowed, the migration leaves a note
 * and the search keeps working without the index, only slower. SQLite reads its headline index
 * with LIKE in about 25 ms at that size and gets nothing here.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect !== 'postgres') return;
  // A savepoint: a failed CREATE EXTENSION would otherwise abort the migration's transaction.
  await sql`savepoint headline_trigrams`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`release savepoint headline_trigrams`.execute(db);
  } catch (err) {
    await sql`rollback to savepoint headline_trigrams`.execute(db);
    process.stderr.write(
      `freewire: note: the pg_trgm extension is not available (${(err as Error).message}); the newsroom's headline search works without its index, only slower at many stories\n`,
    );
    return;
  }
  await sql`create index stories_headline_trgm_idx on stories using gin (lower(headline) gin_trgm_ops)`.execute(db);
  await sql`analyze stories`.execute(db);
}
