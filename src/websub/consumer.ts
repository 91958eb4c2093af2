/**
 * The WebSub side of the event log: for each batch of events, which feeds (topics) changed, and
 * one pending delivery for every active subscription to them.
 *
 * Which topics a change touches:
 * - a story event: the site feeds; the feeds of the story's desk and authors (in its last two
 *   public versions, so a story moved to another desk leaves the old desk's feed too); the feeds
 *   of partners who may have the story now (access.ts decides for each partner's grants: the free
 *   program, its licenses; including a withdrawal reaching those who could have had it). An update or a correction can change a story's rights (its
 *   syndication switch or license profile), so it may take the story out of a partner's feed;
 *   those reach every partner's feed, which is then simply re-sent as it is.
 * - site.updated (settings, desks, authors, license profiles): every feed.
 *
 * Coalescing: the feed is rendered when it is sent, so a subscription with a pending row not yet
 * attempted needs no second one (the partial unique index makes the insert a no-op), nor does one
 * whose row waits for a retry. Only a send in flight (rendered before this change) gets a
 * successor.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Services } from '../services.js';
import type { EventConsumerSpec, LoggedEvent } from '../events/consumers.js';
import { chunks } from '../util/chunks.js';
import { newId } from '../util/ids.js';
import { parseStringArray } from '../util/json.js';
import { publicTopics } from './topics.js';

const STORY_EVENT_TYPES = new Set(['story.published', 'story.updated', 'story.corrected', 'story.withdrawn', 'story.embargo_lifted', 'story.released']);
/** Events that may change a story's rights, and so take it out of partners' feeds. */
const RIGHTS_MAY_CHANGE = new Set(['story.updated', 'story.corrected']);
const PUBLIC_VERSION_KINDS = ['publish', 'update', 'correction', 'withdraw', 'restore'] as const;

export interface WebSubPrepared {
  /** Subscription id → the first event of the batch that touched it. */
  targets: Array<{ subscriptionId: string; eventId: number }>;
}

export const WEBSUB_CONSUMER = 'websub';

/** The consumer spec; background.ts wraps it in an EventConsumer. */
export function websubConsumerSpec(services: Services): EventConsumerSpec<WebSubPrepared> {
  const db = services.database.db;
  return {
    name: WEBSUB_CONSUMER,
    async prepare(events) {
      return { targets: await affectedSubscriptions(services, db, events) };
    },
    async write(trx, _events, prepared) {
      const now = new Date().toISOString();
      for (const part of chunks(prepared.targets)) {
        const ids = part.map((t) => t.subscriptionId);
        // Subscriptions deleted since prepare() are skipped, not a foreign key failure.
        const existing = new Set((await trx.selectFrom('websub_subscriptions').select('id').where('id', 'in', ids).where('state', '=', 'active').execute()).map((r) => r.id));
        // A row waiting for its retry (not in flight) will render the feed when it goes, so it
        // carries this change too; a dead subscriber then has one row retrying, not one per change.
        const waiting = new Set(
          (await trx.selectFrom('websub_deliveries').select('subscription_id').where('subscription_id', 'in', ids).where('status', '=', 'pending').where('claim_token', 'is', null).execute()).map((r) => r.subscription_id),
        );
        const rows = part
          .filter((t) => existing.has(t.subscriptionId) && !waiting.has(t.subscriptionId))
          .map((t) => ({ id: newId(), subscription_id: t.subscriptionId, event_id: t.eventId, status: 'pending' as const, attempts: 0, next_attempt_at: now, created_at: now }));
        if (rows.length > 0) await trx.insertInto('websub_deliveries').values(rows).onConflict((oc) => oc.doNothing()).execute();
      }
    },
    afterCommit() {
      services.signals.websub.notify();
    },
  };
}

async function affectedSubscriptions(services: Services, db: Kysely<DB>, events: LoggedEvent[]): Promise<WebSubPrepared['targets']> {
  const first = new Map<string, number>();
  const mark = (ids: string[], eventId: number): void => {
    for (const id of ids) if (!first.has(id)) first.set(id, eventId);
  };
  const nowIso = new Date().toISOString();
  const active = () => db.selectFrom('websub_subscriptions').select('id').where('state', '=', 'active').where('lease_expires_at', '>', nowIso);
  // Nothing to do without subscribers: the common case costs one query.
  if (!(await active().limit(1).executeTakeFirst())) return [];

  for (const event of events) {
    if (event.type === 'site.updated') {
      mark((await active().orderBy('id').execute()).map((r) => r.id), event.id);
      continue;
    }
    if (!STORY_EVENT_TYPES.has(event.type) || !event.storyId) continue;
    const storyId = event.storyId;
    const topics = new Set(publicTopics(services.config.publicUrl, ''));
    const versions = await db
      .selectFrom('story_versions')
      .select(['desk_id', 'authors_json'])
      .where('story_id', '=', storyId)
      .where('kind', 'in', [...PUBLIC_VERSION_KINDS])
      .orderBy('version', 'desc')
      .limit(2)
      .execute();
    const deskIds = [...new Set(versions.map((v) => v.desk_id))];
    const authorIds = [...new Set(versions.flatMap((v) => parseStringArray(v.authors_json)))];
    if (deskIds.length > 0) {
      for (const d of await db.selectFrom('desks').select('slug').where('id', 'in', deskIds).execute()) for (const t of publicTopics(services.config.publicUrl, `/desk/${d.slug}`)) topics.add(t);
    }
    if (authorIds.length > 0) {
      for (const a of await db.selectFrom('authors').select('slug').where('id', 'in', authorIds).execute()) for (const t of publicTopics(services.config.publicUrl, `/author/${a.slug}`)) topics.add(t);
    }
    mark((await active().where('topic', 'in', [...topics]).orderBy('id').execute()).map((r) => r.id), event.id);

    // Partner feeds: every approved partner when the story's rights may have changed (its feed
    // may lose or gain it), else those whose grants give it now.
    if (RIGHTS_MAY_CHANGE.has(event.type)) {
      mark((await active().where('partner_id', 'in', db.selectFrom('partners').select('id').where('status', '=', 'approved')).orderBy('id').execute()).map((r) => r.id), event.id);
      continue;
    }
    const granted = await services.partnerAccess.partnersWithStory(storyId);
    if (granted.free) {
      const rows = await active()
        .where('partner_id', 'in', db.selectFrom('partners').select('id').where('kind', '=', 'free').where('status', '=', 'approved'))
        .orderBy('id')
        .execute();
      mark(rows.map((r) => r.id), event.id);
    }
    for (const part of chunks(granted.partnerIds)) mark((await active().where('partner_id', 'in', part).orderBy('id').execute()).map((r) => r.id), event.id);
  }
  return [...first].map(([subscriptionId, eventId]) => ({ subscriptionId, eventId }));
}
