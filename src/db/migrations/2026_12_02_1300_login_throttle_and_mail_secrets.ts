/**
 * Hardening: failed-login counters shared by every node, and mail secrets kept apart from the
 * message text that editors read.
 *
 * Why these shapes:
 * - login_throttle holds one row per counted key: a (scope, account, address) pair or a
 *   (scope, address) across all accounts. The key is a sha256 of those parts, so the table keeps
 *   neither typed emails nor addresses in the clear. The delay before the next attempt is
 *   computed from `failures` and `last_failure_at`, so one atomic upsert per failure is the only
 *   write (`failures = failures + 1` works on SQLite and PostgreSQL alike). Rows whose last
 *   failure is older than the quiet period are pruned by that index.
 * - mail_outbox.secret carries the one part of a message that must not sit in the outbox text
 *   (an invitation link): text_body holds a placeholder, the mailer puts the secret back only in
 *   what it hands to SMTP, and clears the column once the message is sent or given up.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_throttle_last_failure_idx').on('login_throttle').column('last_failure_at').execute();

  await db.schema.alterTable('mail_outbox').addColumn('secret', 'text').execute();
}
