/**
 * Licenses: what a licensee may have, from when to when. A partner may hold several; what it gets
 * is the union of them and, for a free-program partner, of its free access (src/syndication/access.ts).
 *
 * Why these shapes:
 * - The scope is two optional lists, stored as JSON arrays of ids: license profiles and desks.
 *   NULL means "not narrowed by this"; both NULL covers every story offered to licensees. A story
 *   is covered when it matches every list that is given.
 * - `ends_at` is NULL only for licenses recorded by this migration for partners who were already
 *   licensees before licenses had dates: they keep the access they had until someone enters the
 *   contract's dates. Every license created since has both dates.
 * - `on_end`: `keep` (the licensee may keep what it already published, as licenses usually allow)
 *   or `cancel` (stories it may no longer use reach its systems as `canceled` at the end).
 * - `revision` makes two editors' overlapping edits a conflict, like inquiries.
 * - renewal_*_sent_at record that the 30- and 7-day reminders went out, once each, whatever the
 *   number of nodes: a reminder is claimed by the UPDATE that sets its column.
 * - `reference` is what people say and write ("LIC-2026-004"): on invoices, in emails, in the
 *   API's 403 when a license has ended.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema
    .createTable('licenses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('inquiry_id', 'text', (c) => c.references('license_inquiries.id').onDelete('set null'))
    .addColumn('scope_profiles_json', 'text')
    .addColumn('scope_desks_json', 'text')
    .addColumn('images', 'integer', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text')
    // keep | cancel
    .addColumn('on_end', 'text', (c) => c.notNull())
    .addColumn('terms', 'text', (c) => c.notNull())
    .addColumn('fee', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('renewal_30_sent_at', 'text')
    .addColumn('renewal_7_sent_at', 'text')
    .execute();
  await db.schema.createIndex('licenses_partner_idx').on('licenses').columns(['partner_id', 'starts_at']).execute();
  await db.schema.createIndex('licenses_ends_idx').on('licenses').columns(['ends_at']).execute();

  // Partners who were licensees before licenses existed keep what they had: everything offered
  // to licensees, images included, with no end date until the newsroom records the contract's.
  const licensees = await db.selectFrom('partners').select(['id', 'created_at']).where('kind', '=', 'licensee').orderBy('created_at').orderBy('id').execute();
  const now = new Date().toISOString();
  let n = 0;
  for (const p of licensees as Array<{ id: string; created_at: string }>) {
    n += 1;
    await db
      .insertInto('licenses')
      .values({
        id: `lic_${p.id}`.slice(0, 64),
        reference: `LIC-${now.slice(0, 4)}-R${String(n).padStart(3, '0')}`,
        partner_id: p.id,
        inquiry_id: null,
        scope_profiles_json: null,
        scope_desks_json: null,
        images: 1,
        starts_at: p.created_at,
        ends_at: null,
        on_end: 'keep',
        terms: 'Recorded when licenses got dates: covers every story offered to licensees, with no end date. Enter the dates and terms of the contract.',
        fee: null,
        revision: 0,
        created_by: null,
        created_at: now,
        updated_at: now,
        renewal_30_sent_at: null,
        renewal_7_sent_at: null,
      })
      .execute();
  }
}
