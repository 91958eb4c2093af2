/**
 * Corrections and kills that reach every partner: the consumers that follow the event log, and
 * partners' webhook endpoints with their durable delivery queue.
 *
 * Why these shapes:
 * - event_consumers holds one cursor per consumer of the event log (webhook fan-out, email
 *   notices, WebSub). A consumer reads events after its cursor and moves the cursor in the same
 *   transaction as the rows it writes, so an event is turned into deliveries exactly once. The
 *   lease columns let one node at a time run a consumer; a node that dies loses the lease when it
 *   expires and another carries on from the committed cursor.
 * - Clock events (an embargo lifting, a delayed free release coming due) are written by whichever
 *   node notices first; the partial unique index makes the second writer's insert a no-op.
 * - webhook_endpoints keeps the signing secret itself, not a hash: every delivery is signed with
 *   it. The previous secret is kept for 24 hours after a rotation, when both signatures are sent.
 * - webhook_deliveries is the outbox: one row per (endpoint, event), written in the consumer's
 *   transaction, with the exact body sent on every attempt and the stable message id receivers
 *   use to de-duplicate. Workers claim rows with a conditional update (claim_token and
 *   claimed_until), which works the same on SQLite and PostgreSQL; a claim that outlives a dead
 *   node simply expires. Deliveries of one endpoint and story go out in event id order; tests
 *   and replays (no event id) are not held back by, and do not hold back, anything.
 * - story_receipts is the ledger of who had which story: one row per (story, partner, channel)
 *   for what the server itself handed out (content API, partner feed), with the first and last
 *   time and the last version delivered. Webhook deliveries and pixel hits are already recorded
 *   in their own tables and are read from there.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema
    .createTable('event_consumers')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_event_id', 'integer', (c) => c.notNull())
    .addColumn('lease_holder', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await sql`create unique index events_clock_once_idx on events (story_id, version, type) where type in ('story.embargo_lifted', 'story.released')`.execute(db);

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // JSON array of event types; '[]' means every story event.
    .addColumn('events_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'text')
    // enabled | disabled
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('disabled_at', 'text')
    // Set at the first failure after a success; cleared by the next success. Three days of
    // failures disable the endpoint.
    .addColumn('failing_since', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_endpoints_partner_idx').on('webhook_endpoints').columns(['partner_id', 'created_at']).execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('partner_id', 'text', (c) => c.notNull())
    // The event it reports; null for webhook.test and for replays (which get their own row).
    .addColumn('event_id', 'integer')
    // The webhook-id header: the same on every attempt of this delivery (and on its replays).
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('story_id', 'text')
    .addColumn('story_version', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    // pending | delivered | failed (gave up, or endpoint disabled) | canceled (endpoint deleted)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claim_token', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('last_attempt_at', 'text')
    .addColumn('response_status', 'integer')
    .addColumn('duration_ms', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create unique index webhook_deliveries_event_once_idx on webhook_deliveries (endpoint_id, event_id) where event_id is not null`.execute(db);
  await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_endpoint_idx').on('webhook_deliveries').columns(['endpoint_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('webhook_deliveries_story_idx').on('webhook_deliveries').columns(['story_id', 'partner_id']).execute();

  await db.schema
    .createTable('story_receipts')
    .addColumn('story_id', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    // api | feed
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('first_at', 'text', (c) => c.notNull())
    .addColumn('last_at', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('story_receipts_pk', ['story_id', 'partner_id', 'channel'])
    .execute();
  await db.schema.createIndex('story_receipts_partner_idx').on('story_receipts').columns(['partner_id', 'last_at']).execute();
}
