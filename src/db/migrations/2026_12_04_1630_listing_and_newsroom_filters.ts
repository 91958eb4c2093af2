/**
 * Indexes for tag pages, every public listing's rows and the newsroom's filtered list at 100,000
 * stories and more.
 *
 * - stories_live_lookup_idx (id, status, published_at, live_version, slug, public_updated_at):
 *   a tag or author page with few stories (see PublicStories.latest) looks its stories up by id
 *   to sort them by publication. Through the primary key, each lookup read the story's row, which
 *   holds its working copy (the Markdown body spills over several pages), and a tag of 2,000
 *   stories cost 20 ms warm and 180 ms cold. Their ids come from (tag_id, story_id) and
 *   (author_id, story_id), which replace the indexes on the tag or author alone (each of whose
 *   entries needed a read of the table for the story's id). The same columns are all a listing needs of a story
 *   (hydrating a page of home, desk, tag or search results), so those lookups stay in the index.
 * - story_versions_listing_idx: the columns of a live version a listing shows (headline,
 *   summary, dateline, desk, lead image), so a page of 20 results never reads versions' bodies.
 * - stories_newsroom_status_desk_idx and stories_newsroom_author_status_idx: the newsroom's
 *   list filtered by status and desk, or a reporter's own stories by status. The status index
 *   alone had to read each published story's row to check its desk for the count: 300 ms warm,
 *   1.4 s cold at 100,000 stories.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createIndex('stories_live_lookup_idx')
    .on('stories')
    .columns(['id', 'status', 'published_at', 'live_version', 'slug', 'public_updated_at'])
    .execute();
  await db.schema
    .createIndex('story_versions_listing_idx')
    .on('story_versions')
    .columns(['story_id', 'version', 'desk_id', 'headline', 'summary', 'dateline', 'lead_image_id', 'lead_image_caption', 'lead_image_credit'])
    .execute();
  await db.schema.createIndex('story_live_tags_tag_story_idx').on('story_live_tags').columns(['tag_id', 'story_id']).execute();
  await db.schema.dropIndex('story_live_tags_tag_idx').execute();
  await db.schema.createIndex('story_live_authors_author_story_idx').on('story_live_authors').columns(['author_id', 'story_id']).execute();
  await db.schema.dropIndex('story_live_authors_author_idx').execute();
  await db.schema.createIndex('stories_newsroom_status_desk_idx').on('stories').columns(['status', 'desk_id', 'updated_at', 'id']).execute();
  await db.schema.createIndex('stories_newsroom_author_status_idx').on('stories').columns(['created_by', 'status', 'updated_at', 'id']).execute();
  // As in 2026_12_03_1820: an analysed database without statistics for new indexes makes
  // SQLite's planner misjudge them; PostgreSQL's autovacuum or the next ANALYZE covers its side.
  if (ctx.dialect === 'sqlite') {
    const analysed = await sql<{ n: number }>`select count(*) as n from sqlite_master where name = 'sqlite_stat1'`.execute(db);
    if (Number(analysed.rows[0]?.n ?? 0) > 0) {
      await sql`analyze stories`.execute(db);
      await sql`analyze story_versions`.execute(db);
      await sql`analyze story_live_tags`.execute(db);
      await sql`analyze story_live_authors`.execute(db);
    }
  } else {
    await sql`analyze stories, story_versions, story_live_tags, story_live_authors`.execute(db);
  }
}
