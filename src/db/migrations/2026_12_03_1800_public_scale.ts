/**
 * Desk pages list a desk's live stories newest first. The desk index from the first migration
 * (live_desk_id, published_at) has neither the status nor the id that breaks ties, so at 100,000
 * stories each desk page sorted thousands of rows; this one serves the filter, the order and the
 * keys (an index-only walk that stops after the page). It replaces the old one, whose every use
 * (latest story of a desk for the sitemap) it also serves.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema.createIndex('stories_live_desk_published_idx').on('stories').columns(['live_desk_id', 'status', 'published_at', 'id']).execute();
  await db.schema.dropIndex('stories_live_desk_idx').execute();
}
