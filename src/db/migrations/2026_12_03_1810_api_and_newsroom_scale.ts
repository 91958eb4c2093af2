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
 * The content API's change list reads each story's last story event (rules.ts lastStoryEvents):
 * events_story_type_created_idx answers that from the index instead of reading every event row.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('stories_newsroom_list_idx').on('stories').columns(['updated_at', 'id', 'status', 'desk_id', 'created_by', 'headline']).execute();
  await db.schema.createIndex('stories_newsroom_status_idx').on('stories').columns(['status', 'updated_at', 'id']).execute();
  await db.schema.createIndex('stories_newsroom_desk_idx').on('stories').columns(['desk_id', 'updated_at', 'id']).execute();
  await db.schema.createIndex('stories_newsroom_author_idx').on('stories').columns(['created_by', 'updated_at', 'id']).execute();
  await db.schema.createIndex('events_story_type_created_idx').on('events').columns(['story_id', 'type', 'created_at']).execute();
}
