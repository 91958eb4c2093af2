/**
 * The core schema: staff, authors, desks, stories with immutable versions, the public event log,
 * the audit log, settings, media and idempotency keys.
 *
 * Why these shapes:
 * - Timestamps are ISO-8601 UTC text on both engines so the application sees the same values.
 * - story_versions rows are never updated: a published page always renders one frozen version,
 *   and partners (later) receive the exact text of a numbered version.
 * - events is written in the same transaction as every public change; its integer id is the
 *   cursor that page caches and (later) partner APIs and webhooks follow.
 * - Foreign keys reference users with ON DELETE SET NULL where history must outlive an account.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  const pg = ctx.dialect === 'postgres';
  const blob = pg ? 'bytea' : 'blob';

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('media')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('data', sql.raw(blob), (c) => c.notNull())
    .addColumn('alt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('authors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('bio', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('photo_media_id', 'text', (c) => c.references('media.id').onDelete('set null'))
    .addColumn('links_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('tips_contact', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('desks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tags')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('stories')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('headline', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_md', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('dateline', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('desk_id', 'text', (c) => c.notNull().references('desks.id'))
    .addColumn('syndication', 'text', (c) => c.notNull().defaultTo('free'))
    // License profiles arrive with the syndication program; the column is here so stories
    // created before then simply fall back to the default profile.
    .addColumn('license_profile_id', 'text')
    .addColumn('lead_image_id', 'text', (c) => c.references('media.id').onDelete('set null'))
    .addColumn('lead_image_caption', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('lead_image_credit', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('embargo_until', 'text')
    .addColumn('scheduled_at', 'text')
    .addColumn('published_at', 'text')
    .addColumn('public_updated_at', 'text')
    .addColumn('withdrawn_at', 'text')
    .addColumn('withdrawn_reason', 'text')
    .addColumn('live_version', 'integer')
    // Desk of the live version, so desk pages need no join to story_versions.
    .addColumn('live_desk_id', 'text', (c) => c.references('desks.id'))
    .addColumn('current_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('stories_status_published_idx').on('stories').columns(['status', 'published_at', 'id']).execute();
  await db.schema.createIndex('stories_live_desk_idx').on('stories').columns(['live_desk_id', 'published_at']).execute();
  await db.schema.createIndex('stories_scheduled_idx').on('stories').columns(['status', 'scheduled_at']).execute();

  await db.schema
    .createTable('story_authors')
    .addColumn('story_id', 'text', (c) => c.notNull().references('stories.id').onDelete('cascade'))
    .addColumn('author_id', 'text', (c) => c.notNull().references('authors.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('story_authors_pk', ['story_id', 'author_id'])
    .execute();
  await db.schema.createIndex('story_authors_author_idx').on('story_authors').column('author_id').execute();

  await db.schema
    .createTable('story_tags')
    .addColumn('story_id', 'text', (c) => c.notNull().references('stories.id').onDelete('cascade'))
    .addColumn('tag_id', 'text', (c) => c.notNull().references('tags.id'))
    .addPrimaryKeyConstraint('story_tags_pk', ['story_id', 'tag_id'])
    .execute();
  await db.schema.createIndex('story_tags_tag_idx').on('story_tags').column('tag_id').execute();

  // The bylines and tags readers see: written when a version goes live, removed on withdrawal.
  // story_authors/story_tags above hold the working copy, which may differ until the next update.
  await db.schema
    .createTable('story_live_authors')
    .addColumn('story_id', 'text', (c) => c.notNull().references('stories.id').onDelete('cascade'))
    .addColumn('author_id', 'text', (c) => c.notNull().references('authors.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('story_live_authors_pk', ['story_id', 'author_id'])
    .execute();
  await db.schema.createIndex('story_live_authors_author_idx').on('story_live_authors').column('author_id').execute();

  await db.schema
    .createTable('story_live_tags')
    .addColumn('story_id', 'text', (c) => c.notNull().references('stories.id').onDelete('cascade'))
    .addColumn('tag_id', 'text', (c) => c.notNull().references('tags.id'))
    .addPrimaryKeyConstraint('story_live_tags_pk', ['story_id', 'tag_id'])
    .execute();
  await db.schema.createIndex('story_live_tags_tag_idx').on('story_live_tags').column('tag_id').execute();

  await db.schema
    .createTable('story_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('story_id', 'text', (c) => c.notNull().references('stories.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('headline', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('body_md', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('dateline', 'text', (c) => c.notNull())
    .addColumn('desk_id', 'text', (c) => c.notNull())
    .addColumn('authors_json', 'text', (c) => c.notNull())
    .addColumn('tags_json', 'text', (c) => c.notNull())
    .addColumn('word_count', 'integer', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('story_versions_story_version_uq', ['story_id', 'version'])
    .execute();

  await db.schema
    .createTable('story_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('story_id', 'text', (c) => c.notNull().references('stories.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('story_notes_story_idx').on('story_notes').columns(['story_id', 'created_at']).execute();

  // The search index holds only live stories. SQLite uses an FTS5 table; PostgreSQL a plain
  // table with a generated tsvector column and a GIN index (see src/search/).
  if (pg) {
    await sql`create table story_search (
      story_id text primary key references stories(id) on delete cascade,
      headline text not null,
      summary text not null,
      body text not null,
      tags text not null,
      document tsvector generated always as (
        setweight(to_tsvector('english', headline), 'A') ||
        setweight(to_tsvector('english', summary || ' ' || tags), 'B') ||
        setweight(to_tsvector('english', body), 'C')
      ) stored
    )`.execute(db);
    await sql`create index story_search_document_idx on story_search using gin (document)`.execute(db);
  } else {
    await sql`create virtual table story_search using fts5(
      story_id unindexed, headline, summary, body, tags,
      tokenize = 'porter unicode61 remove_diacritics 2'
    )`.execute(db);
  }

  if (pg) {
    await sql`create table events (
      id integer generated by default as identity primary key,
      type text not null,
      story_id text,
      version integer,
      payload_json text not null,
      created_at text not null
    )`.execute(db);
  } else {
    await sql`create table events (
      id integer primary key autoincrement,
      type text not null,
      story_id text,
      version integer,
      payload_json text not null,
      created_at text not null
    )`.execute(db);
  }
  await db.schema.createIndex('events_story_idx').on('events').columns(['story_id', 'id']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('actor_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('details_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_created_idx').on('audit_log').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value_json', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key'])
    .execute();
}
