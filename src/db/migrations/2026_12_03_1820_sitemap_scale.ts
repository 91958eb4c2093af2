/**
 * Sitemaps list every live story's URL and last change in publication order, 50,000 to a file.
 * Read through (status, published_at, id) alone, each of those rows was a lookup in the table
 * (whose rows carry the headline and more), so one file cost a second at 100,000 stories. This
 * index holds the slug and the update time too: a file, or the newest change of a file for the
 * sitemap index, is one index-only walk. It replaces (status, published_at, id), a prefix of it
 * that it serves in every use (home and feed pages, counts, the Google News sitemap).
 *
 * The pages file's date is the latest change of any live story: the newest publication (the end
 * of the index above) or the newest public update, the end of (status, public_updated_at).
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema
    .createIndex('stories_status_published_covering_idx')
    .on('stories')
    .columns(['status', 'published_at', 'id', 'slug', 'public_updated_at'])
    .execute();
  await db.schema.dropIndex('stories_status_published_idx').execute();
  await db.schema.createIndex('stories_status_updated_idx').on('stories').columns(['status', 'public_updated_at']).execute();
  // A database that was analyzed before (freewire demo does) has statistics for every index but
  // these; SQLite then takes an index without statistics for a selective one and looked up a
  // page's stories by status (a pass over 100,000) instead of by id. Fresh statistics for the
  // table, a fraction of a second at 100,000 stories.
  await sql`analyze stories`.execute(db);
}
