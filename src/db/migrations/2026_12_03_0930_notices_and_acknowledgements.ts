/**
 * Notices of corrections and withdrawals, and partners' acknowledgements of them.
 *
 * Why these shapes:
 * - notice_sends has one row per (event, partner): the primary key makes a second notice for the
 *   same event impossible, whichever node or pass tries. `mode` says how the partner chose to
 *   hear of it: 'instant' rows are mailed in the transaction that writes them; 'digest' rows wait
 *   as 'pending' until the partner's daily digest takes them (a conditional update from
 *   'pending', so one entry is never in two digests). `resent_at` records the newsroom's manual
 *   re-sends, which are extra by intent.
 * - notice_digests has one row per (partner, UTC day): inserting it is the claim on that day's
 *   digest, so two nodes running the digest at once send one mail.
 * - story_acknowledgements records that a partner confirmed a correction or a withdrawal (one
 *   row per partner and event, so acknowledging twice keeps the first time). It is keyed by the
 *   event, not the story: a later correction asks to be acknowledged again.
 */
import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema
    .createTable('notice_sends')
    .addColumn('event_id', 'integer', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('story_id', 'text', (c) => c.notNull())
    // story.corrected | story.withdrawn
    .addColumn('type', 'text', (c) => c.notNull())
    // instant | digest | resend (a partner first mailed by a newsroom re-send)
    .addColumn('mode', 'text', (c) => c.notNull())
    // pending (waits for the digest) | sent
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('digest_day', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('resent_at', 'text')
    .addPrimaryKeyConstraint('notice_sends_pk', ['event_id', 'partner_id'])
    .execute();
  await db.schema.createIndex('notice_sends_pending_idx').on('notice_sends').columns(['status', 'partner_id', 'created_at']).execute();
  await db.schema.createIndex('notice_sends_story_idx').on('notice_sends').columns(['story_id', 'partner_id']).execute();

  await db.schema
    .createTable('notice_digests')
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    // YYYY-MM-DD (UTC)
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('entries', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notice_digests_pk', ['partner_id', 'day'])
    .execute();

  await db.schema
    .createTable('story_acknowledgements')
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('event_id', 'integer', (c) => c.notNull())
    .addColumn('story_id', 'text', (c) => c.notNull())
    // story.corrected | story.withdrawn
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text', (c) => c.notNull())
    // 'user:<partner user id>' (portal) or 'key:<partner key id>' / 'api' (content API)
    .addColumn('acknowledged_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('story_acknowledgements_pk', ['partner_id', 'event_id'])
    .execute();
  await db.schema.createIndex('story_acknowledgements_story_idx').on('story_acknowledgements').columns(['story_id', 'partner_id']).execute();
}
