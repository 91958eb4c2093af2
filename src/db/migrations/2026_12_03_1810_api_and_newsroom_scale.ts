/**
 * Indexes for a large archive (100,000 stories and more).
 *
 * The newsroom's stories list sorts by last update, filtered by status, desk, author (reporters
 * see their own) and a headline search. Without these, each page sorted every story row, and
 * rows are large (each holds its working copy): seconds per page at 100,000. With them, a page
 * is read in index order and only its rows are fetched:
 * - stories_newsroom_list_idx holds every column the list filters on, headline included, so any
 *   filter (a headline search too) and any page depth is answered from the index alone;
 * - the status, desk and author indexes let a filtered page or count go straight to its stories.
 *
 * (An index on events (story_id, type, created_at) was tried for the change list's last-event
 * subquery and left out: with it, SQLite's planner read the 50 stories of a poll through the
 * status index, scanning every published story, and a poll went from ~1 ms to ~45 ms.)
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema.createIndex('stories_newsroom_list_idx').on('stories').columns(['updated_at', 'id', 'status', 'desk_id', 'created_by', 'headline']).execute();
  await db.schema.createIndex('stories_newsroom_status_idx').on('stories').columns(['status', 'updated_at', 'id']).execute();
  await db.schema.createIndex('stories_newsroom_desk_idx').on('stories').columns(['desk_id', 'updated_at', 'id']).execute();
  await db.schema.createIndex('stories_newsroom_author_idx').on('stories').columns(['created_by', 'updated_at', 'id']).execute();
  // A database whose tables were analysed (`freewire demo` does) has planner statistics for the
  // old indexes and none for these, and SQLite then picks indexes badly (it read a poll's few
  // stories through the status index). Analysing again keeps the statistics whole. A database
  // never analysed is left so: statistics taken while it is small would mislead it later.
  if (ctx.dialect === 'sqlite') {
    const analysed = await sql<{ n: number }>`select count(*) as n from sqlite_master where name = 'sqlite_stat1'`.execute(db);
    if (Number(analysed.rows[0]?.n ?? 0) > 0) await sql`analyze stories`.execute(db);
  }
}
