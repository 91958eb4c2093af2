/**
 * The WebSub hub (W3C WebSub): subscriptions to our feeds and the queue of content
 * distributions to subscribers.
 *
 * Why these shapes:
 * - websub_subscriptions holds one row per (topic, callback), the spec's identity of a
 *   subscription: a re-subscription updates the row (new lease, new secret) instead of adding a
 *   second one, so one change is never delivered twice to one callback. A subscription request
 *   is verified asynchronously (verification of intent), so the request waits in the intent_*
 *   columns until the subscriber confirms it; the active state (state, secret, lease) changes only
 *   then, and an unverified re-subscription never disturbs a working one. The verification is
 *   claimed like a delivery (claim_token, claimed_until) so two nodes never verify one request
 *   twice. The secret (hub.secret) is kept as given: every distribution is signed with it.
 *   A partner feed's topic is its capability URL; it is kept because the hub must send it back
 *   (the rel="self" Link), and checked against the partner's current feed token at every send.
 *   partner_id ties partner topics to the partner (deleted with it).
 * - websub_deliveries is the outbox, like webhook_deliveries: one row per pending notification of
 *   one subscription, written in the event consumer's transaction, claimed by a conditional
 *   update that works the same on SQLite and PostgreSQL. The feed is rendered at send time, so a
 *   subscription needs at most one row that has not been attempted yet: the partial unique index
 *   makes a second one a no-op (coalescing), on both engines.
 */
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  void ctx;
  await db.schema
    .createTable('websub_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('callback', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.references('partners.id').onDelete('cascade'))
    // pending (never verified) | active | unsubscribed | expired | failed (verification refused) | ended (410, topic gone)
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('lease_seconds', 'integer')
    .addColumn('lease_expires_at', 'text')
    // The request waiting for verification of intent: subscribe | unsubscribe.
    .addColumn('intent_mode', 'text')
    .addColumn('intent_lease_seconds', 'integer')
    .addColumn('intent_secret', 'text')
    .addColumn('intent_requested_at', 'text')
    .addColumn('verify_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('verify_next_at', 'text')
    .addColumn('claim_token', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('verified_at', 'text')
    // Why the last verification failed, or why the subscription ended.
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'text')
    .addColumn('last_delivery_at', 'text')
    .addColumn('last_delivery_status', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('websub_subscriptions_identity_idx').unique().on('websub_subscriptions').columns(['topic', 'callback']).execute();
  await db.schema.createIndex('websub_subscriptions_state_idx').on('websub_subscriptions').columns(['state', 'topic']).execute();
  await db.schema.createIndex('websub_subscriptions_verify_idx').on('websub_subscriptions').columns(['verify_next_at']).execute();
  await db.schema.createIndex('websub_subscriptions_partner_idx').on('websub_subscriptions').columns(['partner_id']).execute();

  await db.schema
    .createTable('websub_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('websub_subscriptions.id').onDelete('cascade'))
    // The event that caused it (the first one, when several were coalesced).
    .addColumn('event_id', 'integer')
    // pending | delivered | superseded (a later send carried the same feed) | failed | canceled
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claim_token', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('first_failed_at', 'text')
    .addColumn('last_attempt_at', 'text')
    .addColumn('response_status', 'integer')
    .addColumn('duration_ms', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create unique index websub_deliveries_coalesce_idx on websub_deliveries (subscription_id) where status = 'pending' and attempts = 0`.execute(db);
  await db.schema.createIndex('websub_deliveries_due_idx').on('websub_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('websub_deliveries_subscription_idx').on('websub_deliveries').columns(['subscription_id', 'created_at', 'id']).execute();
}
