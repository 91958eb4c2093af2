/**
 * The tip line: the newsroom's tip keys, conversations with sources, their encrypted messages
 * and attachments, and the staff permission to read them.
 *
 * Why these shapes:
 * - Nothing here is readable without a key the server never holds. tip_keys keeps each key pair's
 *   public half and its secret half sealed with a key derived from the newsroom's passphrase
 *   (argon2id parameters stored beside it, so a later change of defaults never strands a key).
 *   Rotation adds a row and retires the previous one; old rows stay so old tips stay readable.
 * - A conversation is found by `lookup`, a slow salted derivation of the source's codename
 *   (salt in tip_line, made here once); the codename itself is never stored. `reply_public_key`
 *   is the public half of a key pair derived from the codename: replies are sealed to it.
 * - Times are whole hours (received_at, last_*_at): exact arrival times help correlate a
 *   source with network logs elsewhere, and an hour is enough for the newsroom's work.
 * - Messages keep ciphertext only: `sealed` (to the newsroom key `key_id`) and, for newsroom
 *   replies, `sealed_for_source`. Attachments are ciphertext blobs in the database, not files,
 *   so several nodes share them, backups carry them, and deleting a tip is deleting rows
 *   (SQLite runs with secure_delete, which overwrites freed pages).
 * - tip_submission_tokens remembers the hash of each one-time form token already used, until it
 *   expires, so a replayed submission is refused. No address, agent or referrer is stored anywhere.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  const blob = sql.raw(ctx.dialect === 'postgres' ? 'bytea' : 'blob');

  await db.schema.alterTable('users').addColumn('tips_access', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('tip_line')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Salt of the codename lookup derivation (base64). Random per installation.
    .addColumn('lookup_salt', 'text', (c) => c.notNull())
    // Key (base64) of the HMAC on one-time tip form tokens, shared by every node.
    .addColumn('form_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db
    .insertInto('tip_line')
    .values({ id: 'tip-line', lookup_salt: randomBytes(16).toString('base64'), form_key: randomBytes(32).toString('base64'), created_at: new Date().toISOString() })
    .execute();

  await db.schema
    .createTable('tip_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('public_key', 'text', (c) => c.notNull())
    // Short fingerprint of the public key, shown to editors so they can compare keys out of band.
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('sealed_secret_key', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('salt', 'text', (c) => c.notNull())
    .addColumn('opslimit', 'integer', (c) => c.notNull())
    .addColumn('memlimit', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    // 1 for the key new tips are sealed to; rotation retires it (active 0, retired_at set).
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retired_at', 'text')
    .execute();
  // At most one key accepts new tips, even if two admins set one up at once.
  await sql`create unique index tip_keys_one_active_idx on tip_keys (active) where active = 1`.execute(db);

  await db.schema
    .createTable('tip_conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lookup', 'text', (c) => c.notNull().unique())
    .addColumn('reply_public_key', 'text', (c) => c.notNull())
    // new (nobody opened it) | open | closed
    .addColumn('status', 'text', (c) => c.notNull())
    // JSON array of short labels chosen by editors.
    .addColumn('labels', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('assignee_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    // 1 when the source wrote since the newsroom last opened the conversation.
    .addColumn('unread', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attachment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total_bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('last_source_at', 'text', (c) => c.notNull())
    .addColumn('last_reply_at', 'text')
    // Optimistic concurrency for editors' changes (assign, label, status).
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('tip_conversations_activity_idx').on('tip_conversations').columns(['last_source_at', 'id']).execute();

  await db.schema
    .createTable('tip_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('tip_conversations.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    // source | newsroom
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull().references('tip_keys.id'))
    .addColumn('sealed', blob, (c) => c.notNull())
    .addColumn('sealed_for_source', blob)
    // browser | server: where a source's message was encrypted (server = the no-JavaScript form).
    .addColumn('encrypted_in', 'text', (c) => c.notNull())
    .addColumn('author_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('attachment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tip_messages_conversation_idx').unique().on('tip_messages').columns(['conversation_id', 'seq']).execute();

  await db.schema
    .createTable('tip_attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull().references('tip_messages.id').onDelete('cascade'))
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('tip_conversations.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('data', blob, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tip_attachments_message_idx').unique().on('tip_attachments').columns(['message_id', 'position']).execute();
  await db.schema.createIndex('tip_attachments_conversation_idx').on('tip_attachments').columns(['conversation_id']).execute();

  await db.schema
    .createTable('tip_submission_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tip_submission_tokens_expiry_idx').on('tip_submission_tokens').columns(['expires_at']).execute();
}
