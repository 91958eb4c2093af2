/**
 * The public event log. Every public change (publish, update, correction, withdrawal, site
 * settings) appends a row in the same transaction as the change itself, so nothing a reader or
 * partner can see changes without an event. Page caches follow the highest id; webhooks and
 * partner APIs will follow the same rows.
 */
import { sql, type Kysely } from 'kysely';
import type { DB, EventType } from '../db/schema.js';

export async function appendEvent(
  trx: Kysely<DB>,
  type: EventType,
  storyId: string | null,
  version: number | null,
  payload: Record<string, unknown>,
  now: Date = new Date(),
): Promise<void> {
  await trx
    .insertInto('events')
    .values({ type, story_id: storyId, version, payload_json: JSON.stringify(payload), created_at: now.toISOString() })
    .execute();
}

export async function latestEventId(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('events').select(sql<number | null>`max(id)`.as('max')).executeTakeFirst();
  return Number(row?.max ?? 0);
}
