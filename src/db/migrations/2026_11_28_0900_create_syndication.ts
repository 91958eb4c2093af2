/**
 * The syndication program: license profiles, partner applications and accounts, partner API keys
 * and feed tokens, follows and notification preferences, the mail outbox, pixel tokens and usage
 * counts, and the attribution checks of pages where stories ran.
 *
 * Why these shapes:
 * - A partner row is born as an application (status pending) and keeps its whole history; the
 *   eligibility verdict is stored with it (rules_json) so reviewers see why, as it was judged.
 * - Keys, invitation tokens, feed tokens and partner sessions are stored only as sha256 hashes.
 * - Flags are integers 0/1, which both engines return as the same JavaScript numbers.
 * - usage_daily is keyed by (story, partner, day) so the pixel's in-memory counts flush with one
 *   upsert per key: `views = views + excluded.views` works on SQLite and PostgreSQL alike.
 * - No IP address is stored anywhere: readers are counted through a keyed hash whose key
 *   (usage_salts) changes every day, so yesterday's hashes cannot be linked to today's.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema
    .createTable('license_profiles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    // free: free partners (and licensees); licensees: licensees only; nobody: not for syndication
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('allowed_edits', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('credit_template', 'text', (c) => c.notNull())
    .addColumn('link_back', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('pixel', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('images', 'text', (c) => c.notNull().defaultTo('included'))
    .addColumn('no_paywall', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('no_ads', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delay_hours', 'integer', (c) => c.notNull().defaultTo(0))
    // canonical: rel=canonical to the original; noindex: ask search engines not to index the copy
    .addColumn('search_engines', 'text', (c) => c.notNull().defaultTo('canonical'))
    .addColumn('cc_license_url', 'text')
    .addColumn('terms', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // An image may carry its own rights (e.g. a wire photo that may not be passed on).
  await db.schema.alterTable('media').addColumn('license_profile_id', 'text', (c) => c.references('license_profiles.id').onDelete('set null')).execute();
  await db.schema.alterTable('media').addColumn('credit', 'text', (c) => c.notNull().defaultTo('')).execute();

  await db.schema
    .createTable('partners')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('outlet', 'text', (c) => c.notNull())
    .addColumn('website', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('contact_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('audience', 'integer', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('intended_use', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // free: the free program; licensee: a paying licensee (licensing desk, later)
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('free'))
    .addColumn('eligibility_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('decision_reason', 'text')
    .addColumn('decided_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('decided_at', 'text')
    .addColumn('feed_token_hash', 'text', (c) => c.unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('partners_status_idx').on('partners').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('partner_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('partner_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('partner_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_user_id', 'text', (c) => c.notNull().references('partner_users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('partner_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('partner_keys_partner_idx').on('partner_keys').column('partner_id').execute();

  await db.schema
    .createTable('partner_follows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    // desk | tag | search
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('partner_follows_uq', ['partner_id', 'kind', 'value'])
    .execute();

  await db.schema
    .createTable('partner_prefs')
    .addColumn('partner_id', 'text', (c) => c.primaryKey().references('partners.id').onDelete('cascade'))
    .addColumn('email_on_kill', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('email_on_correction', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('daily_digest', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text')
    // queued | sent | failed | held (no SMTP configured: kept for the newsroom to read)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema.createIndex('mail_outbox_status_idx').on('mail_outbox').columns(['status', 'created_at']).execute();

  // One token per story × partner, used in the pixel URL. Deterministic (keyed hash) so every
  // snippet, feed and API document for the pair carries the same one.
  await db.schema
    .createTable('pixel_tokens')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('story_id', 'text', (c) => c.notNull().references('stories.id').onDelete('cascade'))
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('pixel_tokens_pair_uq', ['story_id', 'partner_id'])
    .execute();

  await db.schema
    .createTable('usage_daily')
    .addColumn('story_id', 'text', (c) => c.notNull().references('stories.id').onDelete('cascade'))
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('views', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_daily_pk', ['story_id', 'partner_id', 'day'])
    .execute();
  await db.schema.createIndex('usage_daily_day_idx').on('usage_daily').columns(['day']).execute();
  await db.schema.createIndex('usage_daily_partner_idx').on('usage_daily').columns(['partner_id', 'day']).execute();

  await db.schema
    .createTable('usage_pages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('story_id', 'text', (c) => c.notNull().references('stories.id').onDelete('cascade'))
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('views', 'integer', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    // unchecked | compliant | noncompliant | unreachable
    .addColumn('check_status', 'text', (c) => c.notNull().defaultTo('unchecked'))
    .addColumn('check_details_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('checked_at', 'text')
    .addUniqueConstraint('usage_pages_uq', ['story_id', 'partner_id', 'url'])
    .execute();
  await db.schema.createIndex('usage_pages_check_idx').on('usage_pages').columns(['checked_at']).execute();

  await db.schema
    .createTable('usage_salts')
    .addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('salt', 'text', (c) => c.notNull())
    .execute();

}
