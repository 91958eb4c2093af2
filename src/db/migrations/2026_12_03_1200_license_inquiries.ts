/**
 * The licensing desk's pipeline: inquiries from publishers outside the free program, and the
 * history of each (status changes, owner changes, notes, emails sent from the page).
 *
 * Why these shapes:
 * - license_inquiries keeps what the inquirer sent as they sent it (validated, trimmed) and the
 *   desk's working state: status (new → contacted → negotiating → licensed | declined), owner,
 *   the partner it became once licensed. `revision` lets two editors' overlapping edits be told
 *   apart: an update names the revision it started from, and a stale one is a conflict.
 * - license_inquiry_events is append-only: every change and note is a row, so the history is
 *   complete and nobody's note overwrites another's. Emails sent from the page point at their
 *   mail_outbox row (the outbox keeps the message and its delivery state).
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema
    .createTable('license_inquiries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // new | contacted | negotiating | licensed | declined
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('organisation', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('website', 'text', (c) => c.notNull())
    .addColumn('intended_use', 'text', (c) => c.notNull())
    // web | print | broadcast | app | newsletter | other
    .addColumn('medium', 'text', (c) => c.notNull())
    .addColumn('territory', 'text', (c) => c.notNull())
    .addColumn('expected_volume', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('partner_id', 'text', (c) => c.references('partners.id').onDelete('set null'))
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('status_changed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('license_inquiries_status_idx').on('license_inquiries').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('license_inquiries_email_idx').on('license_inquiries').columns(['email']).execute();

  await db.schema
    .createTable('license_inquiry_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('inquiry_id', 'text', (c) => c.notNull().references('license_inquiries.id').onDelete('cascade'))
    // received | status | owner | note | email
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('from_value', 'text')
    .addColumn('to_value', 'text')
    .addColumn('note', 'text')
    .addColumn('mail_id', 'text', (c) => c.references('mail_outbox.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('license_inquiry_events_inquiry_idx').on('license_inquiry_events').columns(['inquiry_id', 'created_at', 'id']).execute();
}
