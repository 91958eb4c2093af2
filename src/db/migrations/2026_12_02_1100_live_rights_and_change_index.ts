/**
 * Partner rights travel with the live version, and the content API's change list gets indexes.
 *
 * Why the rights columns on story_versions: the syndication switch, the license profile, the
 * embargo and the lead image (with its caption and credit) decide who may have a story and what
 * they receive. They used to be read from the `stories` row, the editors' working copy, so an
 * unpublished edit (a save, even an autosave) changed what partners and readers got at once.
 * Each version now keeps its own copy; everything outside the newsroom reads the live version's.
 * Existing versions are filled from their story's current row: that is what partners and readers
 * were being served, so nothing they see changes with this migration.
 *
 * Why the indexes: a content API poll scans the change points after its cursor in time order
 * (src/syndication/access.ts) instead of evaluating every story:
 * - events by time (story events after the cursor),
 * - stories by publication time (delayed free releases come due at publication + delay),
 * - versions by embargo end (the end of an embargo is a change without an event).
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema.alterTable('story_versions').addColumn('syndication', 'text', (c) => c.notNull().defaultTo('free')).execute();
  await db.schema.alterTable('story_versions').addColumn('license_profile_id', 'text').execute();
  await db.schema.alterTable('story_versions').addColumn('embargo_until', 'text').execute();
  // No foreign key to media: a version is an immutable record of what was live, and the site
  // already treats a lead image that no longer exists as no image.
  await db.schema.alterTable('story_versions').addColumn('lead_image_id', 'text').execute();
  await db.schema.alterTable('story_versions').addColumn('lead_image_caption', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('story_versions').addColumn('lead_image_credit', 'text', (c) => c.notNull().defaultTo('')).execute();
  await sql`update story_versions set
      syndication = (select s.syndication from stories s where s.id = story_versions.story_id),
      license_profile_id = (select s.license_profile_id from stories s where s.id = story_versions.story_id),
      embargo_until = (select s.embargo_until from stories s where s.id = story_versions.story_id),
      lead_image_id = (select s.lead_image_id from stories s where s.id = story_versions.story_id),
      lead_image_caption = (select s.lead_image_caption from stories s where s.id = story_versions.story_id),
      lead_image_credit = (select s.lead_image_credit from stories s where s.id = story_versions.story_id)`.execute(db);

  await db.schema.createIndex('events_created_idx').on('events').columns(['created_at', 'story_id']).execute();
  await db.schema.createIndex('stories_published_idx').on('stories').columns(['published_at', 'id']).execute();
  await db.schema.createIndex('story_versions_embargo_idx').on('story_versions').columns(['embargo_until', 'story_id']).execute();
}
